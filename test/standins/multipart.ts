/**
 * A small multipart/form-data parser for the stand-ins.
 *
 * Why not `new Request(...).formData()`: grammY writes its parts as
 * `content-disposition:form-data;name="x";filename=report.csv` (no spaces,
 * unquoted filename), and the stand-ins should accept exactly what the real
 * servers accept rather than what one parser happens to tolerate. The body is
 * already in memory (test payloads are small), so splitting a Buffer is enough.
 */

export interface MultipartPart {
  /** The form field name (`files[0]`, `payload_json`, `chat_id`, ...). */
  name: string;
  /** Present for file parts only. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** Reads the boundary out of a `multipart/form-data; boundary=...` header, or `undefined`. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const opening = Buffer.from(`--${boundary}`);
  // Every delimiter after the first is preceded by CRLF, which belongs to the delimiter, not the part.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: MultipartPart[] = [];

  let cursor = body.indexOf(opening);
  if (cursor < 0) throw new Error('multipart body has no opening boundary');
  cursor += opening.length;

  for (;;) {
    // After a delimiter: `--` closes the body, CRLF opens a part.
    if (body.subarray(cursor, cursor + 2).toString('latin1') === '--') break;
    cursor = skipLineBreak(body, cursor);
    const next = body.indexOf(delimiter, cursor);
    if (next < 0) throw new Error('multipart body is not closed by its final boundary');
    parts.push(parsePart(body.subarray(cursor, next)));
    cursor = next + delimiter.length;
  }
  return parts;
}

function skipLineBreak(body: Buffer, at: number): number {
  if (body[at] === 0x0d && body[at + 1] === 0x0a) return at + 2;
  throw new Error(`multipart body has no line break after a boundary at byte ${at}`);
}

function parsePart(raw: Buffer): MultipartPart {
  const headerEnd = raw.indexOf('\r\n\r\n');
  if (headerEnd < 0) throw new Error('multipart part has no header block');
  const headers = new Map<string, string>();
  for (const line of raw.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition');
  if (!disposition) throw new Error('multipart part has no content-disposition header');
  const name = dispositionParam(disposition, 'name');
  if (name === undefined) throw new Error(`multipart part has no name: ${disposition}`);

  const part: MultipartPart = { name, data: Buffer.from(raw.subarray(headerEnd + 4)) };
  const filename = dispositionParam(disposition, 'filename');
  if (filename !== undefined) part.filename = filename;
  const contentType = headers.get('content-type');
  if (contentType !== undefined) part.contentType = contentType;
  return part;
}

/**
 * One parameter of a content-disposition header, quoted or not. Quoted values
 * may carry the percent escapes the WHATWG FormData serializer (undici, used
 * by discord.js) writes for `"`, CR and LF.
 */
function dispositionParam(header: string, key: string): string | undefined {
  const pattern = new RegExp(`(?:^|;)\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const match = pattern.exec(header);
  if (!match) return undefined;
  if (match[1] !== undefined) {
    return match[1].replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/\\(.)/g, '$1');
  }
  return match[2]?.trim();
}
