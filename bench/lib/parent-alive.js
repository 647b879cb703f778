'use strict';
/** True while `parent` is still this process's parent and still running (plain JS: preloaded). */
function parentAlive(parent) {
  if (process.ppid !== parent) {
    return false;
  }
  try {
    process.kill(parent, 0);
    return true;
  } catch {
    return false;
  }
}

module.exports = { parentAlive };
