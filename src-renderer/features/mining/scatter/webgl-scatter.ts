/**
 * A WebGL point cloud for the run map: tens of thousands of points drawn in one call, pan and zoom by a view
 * transform, lasso selection on the CPU. Written here because the well-known WebGL scatter libraries build their
 * draw commands with `new Function` (regl), which the workstation's Content-Security-Policy forbids; WebGL shader
 * compilation is not script evaluation and is allowed.
 */

const VERTEX = `
attribute vec2 position;
attribute vec3 colour;
attribute float selected;
uniform vec2 scale;
uniform vec2 offset;
uniform float pointSize;
uniform float anySelected;
varying vec4 vColour;
void main() {
  gl_Position = vec4(position * scale + offset, 0.0, 1.0);
  float emphasis = anySelected > 0.5 ? (selected > 0.5 ? 1.0 : 0.25) : 0.9;
  gl_PointSize = pointSize * (selected > 0.5 ? 1.6 : 1.0);
  vColour = vec4(colour, emphasis);
}`;

const FRAGMENT = `
precision mediump float;
varying vec4 vColour;
void main() {
  vec2 c = gl_PointCoord - vec2(0.5);
  if (dot(c, c) > 0.25) discard;
  gl_FragColor = vColour;
}`;

export interface ScatterView {
  /** data units -> clip space: clip = data * scale + offset */
  zoom: number;
  centerX: number;
  centerY: number;
}

function hexToRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
  return shader;
}

/** True when the point (x, y) lies inside the polygon (even-odd rule). */
export function insidePolygon(x: number, y: number, polygon: readonly [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export class WebGLScatter {
  private readonly gl: WebGLRenderingContext;
  private readonly program: WebGLProgram;
  private readonly buffers: { position: WebGLBuffer; colour: WebGLBuffer; selected: WebGLBuffer };
  private count = 0;
  private x: Float32Array = new Float32Array(0);
  private y: Float32Array = new Float32Array(0);
  private selectedFlags = new Float32Array(0);
  private anySelected = false;
  view: ScatterView = { zoom: 1, centerX: 0, centerY: 0 };
  pointSize = 4;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl', { antialias: true, premultipliedAlpha: false, preserveDrawingBuffer: true });
    if (!gl) throw new Error('WebGL is not available');
    this.gl = gl;
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
    this.program = program;
    this.buffers = { position: gl.createBuffer()!, colour: gl.createBuffer()!, selected: gl.createBuffer()! };
  }

  /** Points in data units, already centred and scaled to about [-1, 1]; one colour per point from a palette. */
  setPoints(x: Float32Array, y: Float32Array, colourIndex: ArrayLike<number>, palette: readonly string[]): void {
    const gl = this.gl;
    this.count = x.length;
    this.x = x;
    this.y = y;
    const positions = new Float32Array(this.count * 2);
    for (let i = 0; i < this.count; i++) {
      positions[2 * i] = x[i]!;
      positions[2 * i + 1] = y[i]!;
    }
    const rgb = palette.map(hexToRgb);
    const colours = new Float32Array(this.count * 3);
    for (let i = 0; i < this.count; i++) colours.set(rgb[Math.max(0, colourIndex[i]!) % rgb.length]!, 3 * i);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.position);
    gl.bufferData(gl.ARRAY_BUFFER, positions, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.colour);
    gl.bufferData(gl.ARRAY_BUFFER, colours, gl.STATIC_DRAW);
    this.setSelection([]);
  }

  /** Marks the given point indices as selected (drawn larger; the others dimmed). */
  setSelection(indices: readonly number[]): void {
    this.selectedFlags = new Float32Array(this.count);
    for (const i of indices) if (i >= 0 && i < this.count) this.selectedFlags[i] = 1;
    this.anySelected = indices.length > 0;
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.selected);
    gl.bufferData(gl.ARRAY_BUFFER, this.selectedFlags, gl.DYNAMIC_DRAW);
    this.draw();
  }

  private scaleAndOffset(): { sx: number; sy: number; ox: number; oy: number } {
    const aspect = this.canvas.width / Math.max(1, this.canvas.height);
    const sx = this.view.zoom / Math.max(1, aspect);
    const sy = this.view.zoom * Math.min(1, aspect);
    return { sx, sy, ox: -this.view.centerX * sx, oy: -this.view.centerY * sy };
  }

  /** Canvas pixel (CSS px from the top-left) to data units. */
  toData(px: number, py: number): [number, number] {
    const rect = this.canvas.getBoundingClientRect();
    const cx = (px / rect.width) * 2 - 1;
    const cy = 1 - (py / rect.height) * 2;
    const { sx, sy, ox, oy } = this.scaleAndOffset();
    return [(cx - ox) / sx, (cy - oy) / sy];
  }

  /** Indices of the points inside a lasso drawn in canvas pixels. */
  pointsInLasso(lasso: readonly [number, number][]): number[] {
    const polygon = lasso.map(([px, py]) => this.toData(px, py));
    const xs = polygon.map((p) => p[0]);
    const ys = polygon.map((p) => p[1]);
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const hits: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const x = this.x[i]!;
      const y = this.y[i]!;
      if (x < minX || x > maxX || y < minY || y > maxY) continue;
      if (insidePolygon(x, y, polygon)) hits.push(i);
    }
    return hits;
  }

  /** The nearest point within `radius` CSS pixels, or -1. */
  pointAt(px: number, py: number, radius = 6): number {
    const [dx, dy] = this.toData(px, py);
    const [rx] = this.toData(px + radius, py);
    const limit = (rx - dx) ** 2;
    let best = -1;
    let bestD = limit;
    for (let i = 0; i < this.count; i++) {
      const d = (this.x[i]! - dx) ** 2 + (this.y[i]! - dy) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  resize(width: number, height: number): void {
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(width * ratio));
    this.canvas.height = Math.max(1, Math.round(height * ratio));
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.draw();
  }

  draw(): void {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0.059, 0.071, 0.086, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!this.count) return;
    gl.useProgram(this.program);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    const bind = (name: string, buffer: WebGLBuffer, size: number) => {
      const location = gl.getAttribLocation(this.program, name);
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(location);
      gl.vertexAttribPointer(location, size, gl.FLOAT, false, 0, 0);
    };
    bind('position', this.buffers.position, 2);
    bind('colour', this.buffers.colour, 3);
    bind('selected', this.buffers.selected, 1);
    const { sx, sy, ox, oy } = this.scaleAndOffset();
    gl.uniform2f(gl.getUniformLocation(this.program, 'scale'), sx, sy);
    gl.uniform2f(gl.getUniformLocation(this.program, 'offset'), ox, oy);
    gl.uniform1f(gl.getUniformLocation(this.program, 'pointSize'), this.pointSize * (window.devicePixelRatio || 1));
    gl.uniform1f(gl.getUniformLocation(this.program, 'anySelected'), this.anySelected ? 1 : 0);
    gl.drawArrays(gl.POINTS, 0, this.count);
  }
}
