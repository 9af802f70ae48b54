// Draws a frame with WebGL2. A grayscale frame goes to the GPU once, as its stored 16-bit values
// (an R16UI texture read with texelFetch, so no precision is lost to 8 bits); the modality
// rescale, the window and the inversions are uniforms of the fragment shader. Moving the window,
// zooming or panning only changes uniforms, so it follows the mouse at the display's rate.
import type { Frame } from "./frame";

export type DrawParams = {
  /** clipMatrix() of transform.ts: image pixels -> clip space. */
  matrix: Float32Array;
  /** [centre, width] in modality units (grayscale only). */
  window: [number, number];
  /** The user's invert toggle (MONOCHROME1 is applied on top, from the frame). */
  invert: boolean;
};

const VERTEX = `#version 300 es
in vec2 a_image;
uniform mat3 u_matrix;
out vec2 v_image;
void main() {
  v_image = a_image;
  gl_Position = vec4((u_matrix * vec3(a_image, 1.0)).xy, 0.0, 1.0);
}`;

// Stored values are interpolated bilinearly by hand (integer textures cannot be filtered), then
// rescaled and windowed: the modality rescale is linear, so the order gives the same result.
// The window is DICOM PS3.3 C.11.2.1.2.1 LINEAR (linearWindow() in window.ts); a width of 1 is a
// threshold, kept off a division by zero.
const GRAY_FRAGMENT = `#version 300 es
precision highp float;
precision highp int;
precision highp usampler2D;
uniform usampler2D u_pixels;
uniform vec2 u_image;
uniform vec2 u_rescale;
uniform vec2 u_window;
uniform bool u_invert;
in vec2 v_image;
out vec4 colour;
float stored(ivec2 p, ivec2 size) {
  return float(texelFetch(u_pixels, clamp(p, ivec2(0), size - 1), 0).r);
}
void main() {
  ivec2 size = textureSize(u_pixels, 0);
  // A frame sent at the screen's size first covers the image like the full one.
  vec2 p = v_image * vec2(size) / u_image - 0.5;
  ivec2 i = ivec2(floor(p));
  vec2 f = p - floor(p);
  float s = mix(
    mix(stored(i, size), stored(i + ivec2(1, 0), size), f.x),
    mix(stored(i + ivec2(0, 1), size), stored(i + ivec2(1, 1), size), f.x),
    f.y);
  float x = u_rescale.x * s + u_rescale.y;
  float y = clamp((x - (u_window.x - 0.5)) / max(u_window.y - 1.0, 1e-3) + 0.5, 0.0, 1.0);
  if (u_invert) y = 1.0 - y;
  colour = vec4(vec3(y), 1.0);
}`;

const RGB_FRAGMENT = `#version 300 es
precision highp float;
uniform sampler2D u_pixels;
uniform vec2 u_image;
uniform bool u_invert;
in vec2 v_image;
out vec4 colour;
void main() {
  vec3 c = texture(u_pixels, v_image / u_image).rgb;
  colour = vec4(u_invert ? 1.0 - c : c, 1.0);
}`;

const A_IMAGE = 0;

type Program = { program: WebGLProgram; uniforms: Record<string, WebGLUniformLocation | null> };

export class RendererError extends Error {}

export class FrameRenderer {
  private readonly gl: WebGL2RenderingContext;
  private readonly gray: Program;
  private readonly rgb: Program;
  private readonly quad: WebGLBuffer;
  private readonly vao: WebGLVertexArrayObject;
  private texture: WebGLTexture | null = null;
  private frame: Frame | null = null;
  private imageSize: [number, number] = [1, 1];

  /** Null when the webview has no WebGL2 (the viewer says so rather than showing less). */
  static create(canvas: HTMLCanvasElement): FrameRenderer | null {
    const gl = canvas.getContext("webgl2", { antialias: false, depth: false, stencil: false, alpha: false });
    return gl ? new FrameRenderer(gl) : null;
  }

  private constructor(gl: WebGL2RenderingContext) {
    this.gl = gl;
    this.gray = link(gl, GRAY_FRAGMENT, ["u_matrix", "u_pixels", "u_image", "u_rescale", "u_window", "u_invert"]);
    this.rgb = link(gl, RGB_FRAGMENT, ["u_matrix", "u_pixels", "u_image", "u_invert"]);
    this.quad = gl.createBuffer();
    this.vao = gl.createVertexArray();
  }

  /** The largest side a texture may have on this GPU. */
  get maxSide(): number {
    return this.gl.getParameter(this.gl.MAX_TEXTURE_SIZE) as number;
  }

  /**
   * Sends a frame's pixels to the GPU (once per frame shown, never per mouse move). The frame
   * covers an image of `imageW` x `imageH` pixels: the image's own size, or more than the frame
   * when the frame is a screen-sized version of it sent first.
   */
  upload(frame: Frame, imageW: number, imageH: number): void {
    const gl = this.gl;
    if (frame.width > this.maxSide || frame.height > this.maxSide)
      throw new RendererError(`${frame.width} x ${frame.height} is larger than this graphics card can show (${this.maxSide} pixels a side)`);
    if (this.texture) gl.deleteTexture(this.texture);
    this.texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    // Rows of 2 or 3 bytes a pixel are not 4-byte aligned.
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    // Integer textures must be NEAREST to be complete (else texelFetch reads 0); the default
    // minification filter uses mipmaps, which neither texture has.
    const filter = frame.channels === 1 ? gl.NEAREST : gl.LINEAR;
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    if (frame.channels === 1)
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16UI, frame.width, frame.height, 0, gl.RED_INTEGER, gl.UNSIGNED_SHORT, frame.pixels);
    else gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB8, frame.width, frame.height, 0, gl.RGB, gl.UNSIGNED_BYTE, frame.pixels);

    // The quad covers the image in image pixel coordinates; the matrix places it.
    const w = imageW;
    const h = imageH;
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, w, 0, 0, h, w, h]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(A_IMAGE);
    gl.vertexAttribPointer(A_IMAGE, 2, gl.FLOAT, false, 0, 0);
    this.frame = frame;
    this.imageSize = [imageW, imageH];
  }

  /** Draws the uploaded frame into a drawing buffer of `width` x `height` device pixels. */
  draw(width: number, height: number, params: DrawParams): void {
    const gl = this.gl;
    gl.viewport(0, 0, width, height);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const frame = this.frame;
    if (!frame || !this.texture) return;
    const p = frame.channels === 1 ? this.gray : this.rgb;
    gl.useProgram(p.program);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    gl.uniform1i(p.uniforms.u_pixels, 0);
    gl.uniformMatrix3fv(p.uniforms.u_matrix, false, params.matrix);
    gl.uniform2f(p.uniforms.u_image, this.imageSize[0], this.imageSize[1]);
    // MONOCHROME1 shows low values bright: inverted after the window, then the user's toggle.
    gl.uniform1i(p.uniforms.u_invert, Number(frame.invert !== params.invert));
    if (frame.channels === 1) {
      gl.uniform2f(p.uniforms.u_rescale, frame.scale, frame.offset);
      gl.uniform2f(p.uniforms.u_window, params.window[0], params.window[1]);
    }
    gl.bindVertexArray(this.vao);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  /**
   * Draws a one-pixel grey frame and a one-pixel colour frame, then forgets them. Graphics
   * drivers finish compiling a shader on its first draw with a given texture format (Mesa built
   * its variant for the 16-bit texture on the first frame: 15 ms under llvmpipe, on the page's
   * one thread); drawn here, ahead of the click, the first frame does not pay it. The one-pixel
   * read waits until the driver has done the work.
   */
  warmUp(): void {
    const tiny = { width: 1, height: 1, invert: false, scale: 1, offset: 0, window: [0, 1] as [number, number], min: 0, max: 0 };
    const draw = () => this.draw(1, 1, { matrix: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), window: [0, 1], invert: false });
    this.upload({ ...tiny, channels: 1, pixels: new Uint16Array(1) }, 1, 1);
    draw();
    this.upload({ ...tiny, channels: 3, pixels: new Uint8Array(3) }, 1, 1);
    draw();
    this.gl.readPixels(0, 0, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, new Uint8Array(4));
    this.forget();
  }

  /** True when the GPU took the context back (a driver reset): nothing drawn shows. */
  isLost(): boolean {
    return this.gl.isContextLost();
  }

  /** Forgets the frame shown (its texture freed, the picture cleared) for the next image. */
  forget(): void {
    const gl = this.gl;
    if (this.texture) gl.deleteTexture(this.texture);
    this.texture = null;
    this.frame = null;
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  /** Frees the GPU memory and the context itself: browsers keep only a few contexts alive. */
  dispose(): void {
    const gl = this.gl;
    if (this.texture) gl.deleteTexture(this.texture);
    gl.deleteBuffer(this.quad);
    gl.deleteVertexArray(this.vao);
    gl.deleteProgram(this.gray.program);
    gl.deleteProgram(this.rgb.program);
    this.texture = null;
    this.frame = null;
    gl.getExtension("WEBGL_lose_context")?.loseContext();
  }
}

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new RendererError("the graphics card refused to create a shader");
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    const log = gl.getShaderInfoLog(shader);
    gl.deleteShader(shader);
    throw new RendererError(`shader: ${log ?? "compilation failed"}`);
  }
  return shader;
}

function link(gl: WebGL2RenderingContext, fragment: string, uniforms: string[]): Program {
  const program = gl.createProgram();
  const vs = compile(gl, gl.VERTEX_SHADER, VERTEX);
  const fs = compile(gl, gl.FRAGMENT_SHADER, fragment);
  gl.attachShader(program, vs);
  gl.attachShader(program, fs);
  // Both programs read the quad at one location, so one vertex array serves them.
  gl.bindAttribLocation(program, A_IMAGE, "a_image");
  gl.linkProgram(program);
  gl.deleteShader(vs);
  gl.deleteShader(fs);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS))
    throw new RendererError(`shader program: ${gl.getProgramInfoLog(program) ?? "link failed"}`);
  return { program, uniforms: Object.fromEntries(uniforms.map((u) => [u, gl.getUniformLocation(program, u)])) };
}
