// examples/onnx-transfer.ts: a PyTorch-trained CNN imported with loadOnnx answers as in PyTorch,
// its frozen base stays frozen under a new head, and the result saves and reloads bit for bit.
// Also layer.output, which the example cuts the imported model with.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { MODEL_RECORD, onnxTransfer } from '../examples/onnx-transfer.js';

describe('examples/onnx-transfer', () => {
  it("reproduces PyTorch's test accuracy, keeps the base frozen, learns digits 5-9 and reloads bit for bit", async () => {
    const saveDir = mkdtempSync(join(tmpdir(), 'simdnn-onnx-transfer-'));
    try {
      const r = await onnxTransfer({ targetSize: 150, epochs: 4, saveDir });
      console.log(`imported ${r.importedCorrect}/${MODEL_RECORD.testSamples}; transfer ${r.transferAccuracy}, scratch ${r.scratchAccuracy}`);
      expect(r.importedCorrect).toBe(MODEL_RECORD.testCorrect);
      expect(r.frozenUnchanged).toBe(true);
      expect(r.reloadedSame).toBe(true);
      expect(r.transferAccuracy).toBeGreaterThan(0.5); // chance is 0.2 for five digits
    } finally {
      rmSync(saveDir, { recursive: true, force: true });
    }
  });

  it('layer.output is the symbolic output of the one application, and refuses the ambiguous cases', () => {
    const x = nn.input({ shape: [3] });
    const dense = nn.layers.dense({ units: 2, name: 'once' });
    const y = dense.apply(x);
    expect(dense.output).toBe(y);
    const shared = nn.layers.dense({ units: 3, name: 'twice' });
    shared.apply(shared.apply(x) as nn.SymbolicTensor);
    expect(() => shared.output).toThrow("Dense 'twice'.output: the layer was applied 2 times (shared weights: the output is ambiguous)");
    expect(() => nn.layers.dense({ units: 1, name: 'never' }).output).toThrow(/Dense 'never'.output: the layer was applied 0 times/);
  });
});
