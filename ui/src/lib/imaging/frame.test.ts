import { describe, expect, it } from "vitest";
import { encodeFrame, FRAME_HEADER_BYTES, FrameError, parseFrame, type Frame } from "./frame";

/** A frame written byte by byte as the Rust side does, independently of encodeFrame. */
function handMade(opts: { w?: number; h?: number; channels?: number; invert?: number; magic?: string; extra?: number } = {}) {
  const { w = 3, h = 2, channels = 1, invert = 0, magic = "CSF1", extra = 0 } = opts;
  const pixelBytes = w * h * (channels === 3 ? 3 : 2);
  const buf = new ArrayBuffer(FRAME_HEADER_BYTES + pixelBytes + extra);
  const v = new DataView(buf);
  for (let i = 0; i < 4; i++) v.setUint8(i, magic.charCodeAt(i));
  v.setUint32(4, w, true);
  v.setUint32(8, h, true);
  v.setUint8(12, channels);
  v.setUint8(13, invert);
  [0.5, -1024, 40, 400, -1024, 1023.5].forEach((x, i) => v.setFloat64(16 + 8 * i, x, true));
  if (channels === 1) for (let i = 0; i < w * h; i++) v.setUint16(FRAME_HEADER_BYTES + 2 * i, 1000 * i + 7, true);
  else for (let i = 0; i < pixelBytes; i++) v.setUint8(FRAME_HEADER_BYTES + i, i);
  return buf;
}

describe("parseFrame", () => {
  it("reads a grayscale frame", () => {
    const f = parseFrame(handMade({ invert: 1 }));
    expect(f).toMatchObject({ width: 3, height: 2, channels: 1, invert: true, scale: 0.5, offset: -1024, window: [40, 400], min: -1024, max: 1023.5 });
    expect(f.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(f.pixels)).toEqual([7, 1007, 2007, 3007, 4007, 5007]);
  });

  it("reads a colour frame", () => {
    const f = parseFrame(handMade({ w: 2, h: 2, channels: 3 }));
    expect(f.channels).toBe(3);
    expect(f.invert).toBe(false);
    expect(f.pixels).toBeInstanceOf(Uint8Array);
    expect(Array.from(f.pixels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("refuses a short or bad buffer with a clear error", () => {
    const err = (buf: ArrayBuffer) => {
      try {
        parseFrame(buf);
      } catch (e) {
        expect(e).toBeInstanceOf(FrameError);
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(err(new ArrayBuffer(10))).toBe("image frame: 10 bytes received, shorter than the 64-byte header");
    expect(err(handMade({ magic: "PNG " }))).toBe('image frame: not a frame (starts with "PNG ", expected "CSF1")');
    expect(err(handMade({ channels: 4 }))).toBe("image frame: 4 channels (expected 1 or 3)");
    expect(err(handMade({ invert: 2 }))).toBe("image frame: invert flag 2 (expected 0 or 1)");
    expect(err(handMade({ w: 0 }))).toBe("image frame: empty frame (0 x 2)");
    expect(err(handMade().slice(0, FRAME_HEADER_BYTES + 11))).toBe(
      "image frame: 11 bytes of pixels for 3 x 2 x 1 (expected 12): the frame is cut short",
    );
    expect(err(handMade({ extra: 2 }))).toBe("image frame: 14 bytes of pixels for 3 x 2 x 1 (expected 12): the frame is too long");
    const nan = handMade();
    new DataView(nan).setFloat64(40, Number.NaN, true);
    expect(err(nan)).toMatch(/not a finite number/);
    const flat = handMade();
    new DataView(flat).setFloat64(16, 0, true);
    expect(err(flat)).toBe("image frame: the modality scale is 0");
  });
});

describe("encodeFrame", () => {
  it("writes what parseFrame reads, byte for byte as the Rust side", () => {
    const gray: Frame = {
      width: 3, height: 2, channels: 1, invert: true, scale: 0.5, offset: -1024, window: [40, 400], min: -1024, max: 1023.5,
      pixels: new Uint16Array([7, 1007, 2007, 3007, 4007, 5007]),
    };
    expect(new Uint8Array(encodeFrame(gray))).toEqual(new Uint8Array(handMade({ invert: 1 })));
    const rgb: Frame = { ...gray, width: 2, channels: 3, invert: false, pixels: new Uint8Array(12).map((_, i) => i) };
    expect(parseFrame(encodeFrame(rgb))).toEqual({ ...rgb, pixels: new Uint8Array(12).map((_, i) => i) });
  });
});
