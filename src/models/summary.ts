/** The Keras-style summary table of a model. */
import type { GraphNode } from './graph.js';

const RULE_WIDTH = 65;

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

/** Renders the table; `connected` adds the Keras functional-model column. */
export function summaryTable(title: string, nodes: readonly GraphNode[], connected: boolean): string {
  const widths = connected ? [29, 26, 10, 24] : [29, 26, 10];
  const rule = '_'.repeat(connected ? 92 : RULE_WIDTH);
  const double = '='.repeat(rule.length);
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'].slice(0, widths.length);
  const lines = [`Model: "${title}"`, rule, ' ' + header.map((h, i) => pad(h, widths[i])).join('').trimEnd(), double];
  let total = 0;
  let trainable = 0;
  nodes.forEach((node, i) => {
    const layer = node.layer;
    const count = layer ? layer.countParams() : 0;
    total += count;
    if (layer) trainable += layer.countTrainableParams();
    const name = layer ? `${layer.name} (${layer.className})` : 'input (InputLayer)';
    const shape = `(None, ${node.shape.join(', ')})`;
    const from = node.inputs.map((j) => (nodes[j].layer?.name ?? 'input')).join(', ');
    if (!connected && i === 0) return;
    lines.push(' ' + [name, shape, String(count), from].slice(0, widths.length).map((c, k) => pad(c, widths[k])).join('').trimEnd());
  });
  lines.push(double, `Total params: ${total}`, `Trainable params: ${trainable}`, `Non-trainable params: ${total - trainable}`, rule);
  return lines.join('\n');
}
