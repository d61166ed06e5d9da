/**
 * Typed reads of one node's attributes. Every attribute a converter does not read is refused by
 * `checkAllRead`, so an option simdnn would ignore (a MaxPool's storage_order, a Conv's odd
 * auto_pad) stops the import instead of changing the numbers.
 */
import type { OnnxAttributeValue, OnnxNodeProto } from '../decode.js';
import { Unsupported } from './values.js';

export class NodeAttributes {
  private readonly read = new Set<string>();

  constructor(private readonly node: OnnxNodeProto) {}

  private get(name: string, type: OnnxAttributeValue['type']): OnnxAttributeValue['value'] | undefined {
    this.read.add(name);
    const a = this.node.attributes.get(name);
    if (a === undefined) return undefined;
    if (a.type !== type) throw new Unsupported(`attribute '${name}' is of type ${a.type}, expected ${type}`);
    return a.value;
  }

  int(name: string, fallback: number): number {
    return (this.get(name, 'int') as number | undefined) ?? fallback;
  }

  float(name: string, fallback: number): number {
    return (this.get(name, 'float') as number | undefined) ?? fallback;
  }

  string(name: string, fallback: string): string {
    return (this.get(name, 'string') as string | undefined) ?? fallback;
  }

  ints(name: string): number[] | undefined {
    return this.get(name, 'ints') as number[] | undefined;
  }

  floats(name: string): number[] | undefined {
    return this.get(name, 'floats') as number[] | undefined;
  }

  has(name: string): boolean {
    return this.node.attributes.has(name);
  }

  /** Marks attributes as understood without reading them (names simdnn treats as documentation). */
  ignore(...names: string[]): void {
    for (const n of names) this.read.add(n);
  }

  /** Throws Unsupported naming every attribute no converter read. */
  checkAllRead(): void {
    const unread = [...this.node.attributes.keys()].filter((k) => !this.read.has(k));
    if (unread.length > 0) throw new Unsupported(`attribute${unread.length > 1 ? 's' : ''} ${unread.map((k) => `'${k}'`).join(', ')} not supported`);
  }
}
