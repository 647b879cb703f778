/** Minimal multipart/form-data reader: enough for `upload_file`, no dependencies. */
export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return (match?.[1] ?? match?.[2])?.trim();
}

export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] | undefined {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) {
    return undefined;
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) {
    return undefined;
  }
  for (;;) {
    const afterDelimiter = position + delimiter.length;
    // `--` after a delimiter closes the body.
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') {
      break;
    }
    const partStart = afterDelimiter + 2; // skip CRLF
    const next = body.indexOf(delimiter, partStart);
    if (next < 0) {
      return undefined;
    }
    const partEnd = next - 2; // drop the CRLF before the next delimiter
    const headerEnd = body.indexOf('\r\n\r\n', partStart);
    if (headerEnd < 0 || headerEnd > partEnd) {
      return undefined;
    }
    const headers = body.subarray(partStart, headerEnd).toString('utf8').split('\r\n');
    const part: MultipartPart = { name: '', data: body.subarray(headerEnd + 4, partEnd) };
    for (const line of headers) {
      const [key, ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (key.toLowerCase() === 'content-disposition') {
        part.name = /\bname="([^"]*)"/i.exec(value)?.[1] ?? '';
        const filename = /\bfilename="([^"]*)"/i.exec(value)?.[1];
        if (filename !== undefined) {
          part.filename = filename;
        }
      } else if (key.toLowerCase() === 'content-type') {
        part.contentType = value;
      }
    }
    parts.push(part);
    position = next;
  }
  return parts;
}
