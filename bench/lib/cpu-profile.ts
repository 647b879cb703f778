import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  top: HotFunction[];
  /**
   * Busy time per origin — app code, a package in node_modules, GC… — with the time spent in
   * Node internals and native code (socket writes, crypto, JSON) charged to the nearest caller
   * that is neither: `writev` under pg's query submission counts as pg.
   */
  byOrigin: Array<{ origin: string; selfMs: number; share: number }>;
}

function shortPath(url: string): string {
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) {
    return clean.slice(nm + 'node_modules/'.length);
  }
  const repo = clean.search(/\/(apps|libs|dist|bench|test)\//);
  return repo >= 0 ? clean.slice(repo + 1) : clean;
}

function originOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') {
      return 'GC';
    }
    if (functionName === '(program)' || functionName === '(idle)') {
      return functionName;
    }
    return 'native/V8 builtins';
  }
  if (url.startsWith('node:')) {
    return 'node internals';
  }
  const clean = shortPath(url);
  if (url.includes('node_modules/')) {
    const parts = clean.split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return 'app code (apps/, libs/)';
}

/** Self time per function and per origin, from a V8 `.cpuprofile` (node --cpu-prof). */
export function summarizeProfile(file: string, topN = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parentOf.set(child, node.id);
    }
  }
  const attributedOrigin = (id: number): string => {
    const own = byId.get(id);
    if (!own) {
      return 'unknown';
    }
    const direct = originOf(own.callFrame);
    if (direct !== 'node internals' && direct !== 'native/V8 builtins') {
      return direct;
    }
    for (let cur = parentOf.get(id); cur !== undefined; cur = parentOf.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame) {
        break;
      }
      const origin = originOf(frame);
      if (
        origin !== 'node internals' &&
        origin !== 'native/V8 builtins' &&
        origin !== '(program)'
      ) {
        return origin;
      }
    }
    return direct;
  };
  const selfByNode = new Map<number, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const delta = profile.timeDeltas[i] ?? 0;
    totalUs += delta;
    selfByNode.set(profile.samples[i], (selfByNode.get(profile.samples[i]) ?? 0) + delta);
  }
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byOrigin = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfByNode) {
    const node = byId.get(id);
    if (!node) {
      continue;
    }
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const name = frame.functionName || '(anonymous)';
    const where = frame.url ? `${shortPath(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const entry = byFunction.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const origin = attributedOrigin(id);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: f.us / busyUs })),
    byOrigin: [...byOrigin.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([origin, us]) => ({ origin, selfMs: us / 1000, share: us / busyUs })),
  };
}
