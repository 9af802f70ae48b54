// The binary frame `image_frame` sends (format "CSF1", little endian): a 64-byte header, then the
// pixels row by row from the top-left. Sent raw rather than as JSON so a 16-bit frame of several
// megapixels reaches the GPU without a decode step.
//
//   0  "CSF1"            4  u32 width        8  u32 height     12 u8 channels (1 or 3)
//   13 u8 invert (MONOCHROME1)              14 u16 reserved (0)
//   16 f64 scale         24 f64 offset       (modality value = scale * stored + offset)
//   32 f64 window centre 40 f64 window width (the default window, in modality units)
//   48 f64 min           56 f64 max          (the frame's modality value range)
//   64 pixels: u16 stored values (channels 1) or u8 R, G, B (channels 3)

const FRAME_MAGIC = "CSF1";
export const FRAME_HEADER_BYTES = 64;

export type Frame = {
  width: number;
  height: number;
  channels: 1 | 3;
  /** MONOCHROME1: the display is inverted after windowing. */
  invert: boolean;
  scale: number;
  offset: number;
  /** The default window [centre, width] in modality units. */
  window: [number, number];
  /** The frame's modality value range. */
  min: number;
  max: number;
  /** Stored values (a view on the received buffer, not a copy) for grayscale; R, G, B bytes for colour. */
  pixels: Uint16Array | Uint8Array;
};

export class FrameError extends Error {
  constructor(message: string) {
    super(`image frame: ${message}`);
    this.name = "FrameError";
  }
}

/** Reads and checks a frame; throws a FrameError naming what is wrong. */
export function parseFrame(buf: ArrayBuffer): Frame {
  if (buf.byteLength < FRAME_HEADER_BYTES)
    throw new FrameError(`${buf.byteLength} bytes received, shorter than the ${FRAME_HEADER_BYTES}-byte header`);
  const v = new DataView(buf);
  const magic = String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2), v.getUint8(3));
  if (magic !== FRAME_MAGIC) throw new FrameError(`not a frame (starts with ${JSON.stringify(magic)}, expected "CSF1")`);
  const width = v.getUint32(4, true);
  const height = v.getUint32(8, true);
  const channels = v.getUint8(12);
  const invert = v.getUint8(13);
  if (width === 0 || height === 0) throw new FrameError(`empty frame (${width} x ${height})`);
  if (channels !== 1 && channels !== 3) throw new FrameError(`${channels} channels (expected 1 or 3)`);
  if (invert > 1) throw new FrameError(`invert flag ${invert} (expected 0 or 1)`);
  const [scale, offset, centre, windowWidth, min, max] = [16, 24, 32, 40, 48, 56].map((at) => v.getFloat64(at, true));
  if (![scale, offset, centre, windowWidth, min, max].every(Number.isFinite))
    throw new FrameError("a header value (scale, offset, window or range) is not a finite number");
  if (scale === 0) throw new FrameError("the modality scale is 0");
  const expected = channels === 1 ? width * height * 2 : width * height * 3;
  const got = buf.byteLength - FRAME_HEADER_BYTES;
  if (got !== expected)
    throw new FrameError(
      `${got} bytes of pixels for ${width} x ${height} x ${channels} (expected ${expected}): the frame is ${got < expected ? "cut short" : "too long"}`,
    );
  // The header is 64 bytes, so the u16 view is aligned. Typed arrays use the platform's byte
  // order; every platform a webview runs on is little endian, like the format.
  const pixels =
    channels === 1 ? new Uint16Array(buf, FRAME_HEADER_BYTES, width * height) : new Uint8Array(buf, FRAME_HEADER_BYTES, expected);
  return { width, height, channels, invert: invert === 1, scale, offset, window: [centre, windowWidth], min, max, pixels };
}

/** Writes a frame in the same format (the dev mock's `image_frame`, and the tests). */
export function encodeFrame(f: Frame): ArrayBuffer {
  const bytesPerPixel = f.channels === 1 ? 2 : 3;
  const buf = new ArrayBuffer(FRAME_HEADER_BYTES + f.width * f.height * bytesPerPixel);
  const v = new DataView(buf);
  for (let i = 0; i < 4; i++) v.setUint8(i, FRAME_MAGIC.charCodeAt(i));
  v.setUint32(4, f.width, true);
  v.setUint32(8, f.height, true);
  v.setUint8(12, f.channels);
  v.setUint8(13, f.invert ? 1 : 0);
  v.setUint16(14, 0, true);
  [f.scale, f.offset, f.window[0], f.window[1], f.min, f.max].forEach((x, i) => v.setFloat64(16 + i * 8, x, true));
  if (f.channels === 1) new Uint16Array(buf, FRAME_HEADER_BYTES).set(f.pixels);
  else new Uint8Array(buf, FRAME_HEADER_BYTES).set(f.pixels);
  return buf;
}
