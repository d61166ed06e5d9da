/**
 * A grouped convolution (Keras `groups`) as GEMMs over channel slices of the im2col columns, one per
 * (tap, group): group g's filters g·fg..(g+1)·fg read only its input channels g·cg..(g+1)·cg, which
 * in the columns [rows, taps·inC] are one run of cg per tap. Kernel [kh, kw, cg, filters] as Keras,
 * so tap t of group g is rows t·cg..(t+1)·cg, columns g·fg..(g+1)·fg of the kernel matrix.
 */
import { gemm, gemmArgs } from '../core/kernels/gemm.js';
import { FUSED_LINEAR, type FusedActivation } from '../core/kernels/fused-activation.js';
import type { Window2D } from '../core/geometry.js';

/** The strided GEMMs of one grouped convolution; the argument structs are reused, so a step allocates nothing. */
export class GroupedConvGemms {
  private readonly forwardGemm = gemmArgs();
  private readonly kernelGradGemm = gemmArgs({ transposeA: true });
  private readonly columnGradGemm = gemmArgs({ transposeB: true });
  private readonly taps: number;
  /** Input channels per group. */
  private readonly cg: number;
  /** Filters per group. */
  private readonly fg: number;

  constructor(win: Window2D, private readonly groups: number, private readonly filters: number) {
    this.taps = win.kh * win.kw;
    this.cg = win.channels / groups;
    this.fg = filters / groups;
  }

  /** Width of the columns (floats per row): taps·inC. */
  private get width(): number {
    return this.taps * this.cg * this.groups;
  }

  /** output = activation(columns · blockdiag(kernel) + bias); columns [rows, taps·inC]. */
  forward(rows: number, columns: number, kernel: number, output: number, bias: number, activation: FusedActivation): void {
    const g = this.forwardGemm;
    g.m = rows; g.n = this.fg; g.k = this.cg; g.lda = this.width; g.ldb = this.filters; g.ldc = this.filters;
    for (let grp = 0; grp < this.groups; grp++) {
      for (let t = 0; t < this.taps; t++) {
        const last = t === this.taps - 1;
        g.a = columns + 4 * (t * this.cg * this.groups + grp * this.cg);
        g.b = kernel + 4 * (t * this.cg * this.filters + grp * this.fg);
        g.c = output + 4 * grp * this.fg;
        g.accumulate = t > 0;
        // Bias and activation once the group's last tap is summed in.
        g.bias = last && bias ? bias + 4 * grp * this.fg : 0;
        g.activation = last ? activation : FUSED_LINEAR;
        gemm(g);
      }
    }
  }

  /** gradKernel = each block columnsᵀ · gradOutput over its slices (overwritten). */
  kernelGrad(rows: number, columns: number, gradOutput: number, gradKernel: number): void {
    const g = this.kernelGradGemm;
    g.m = this.cg; g.n = this.fg; g.k = rows; g.lda = this.width; g.ldb = this.filters; g.ldc = this.filters;
    for (let grp = 0; grp < this.groups; grp++) {
      for (let t = 0; t < this.taps; t++) {
        g.a = columns + 4 * (t * this.cg * this.groups + grp * this.cg);
        g.b = gradOutput + 4 * grp * this.fg;
        g.c = gradKernel + 4 * (t * this.cg * this.filters + grp * this.fg);
        gemm(g);
      }
    }
  }

  /** gradColumns = each slice gradOutput · kernel blockᵀ (overwritten); then col2im. */
  columnGrad(rows: number, gradOutput: number, kernel: number, gradColumns: number): void {
    const g = this.columnGradGemm;
    g.m = rows; g.n = this.cg; g.k = this.fg; g.lda = this.filters; g.ldb = this.filters; g.ldc = this.width;
    for (let grp = 0; grp < this.groups; grp++) {
      for (let t = 0; t < this.taps; t++) {
        g.a = gradOutput + 4 * grp * this.fg;
        g.b = kernel + 4 * (t * this.cg * this.filters + grp * this.fg);
        g.c = gradColumns + 4 * (t * this.cg * this.groups + grp * this.cg);
        gemm(g);
      }
    }
  }
}
