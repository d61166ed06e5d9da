/**
 * Weight initialisers (Keras names and defaults), drawing from the library's seedable generator.
 */
import type { Random } from './core/random.js';

/** Fills `values` for a weight of the given shape. */
export interface Initializer {
  readonly name: string;
  fill(values: Float32Array, shape: readonly number[], random: Random): void;
}

/** fanIn / fanOut as Keras computes them: dense [in, out]; conv [kh, kw, in, out] times the receptive field. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** Uniform in [-limit, limit), limit = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(): Initializer {
  return {
    name: 'glorotUniform',
    fill(values, shape, random) {
      const { fanIn, fanOut } = fans(shape);
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < values.length; i++) values[i] = random.uniform(-limit, limit);
    },
  };
}

/** Truncated normal with stddev sqrt(2 / fanIn) (Keras heNormal). */
export function heNormal(): Initializer {
  return {
    name: 'heNormal',
    fill(values, shape, random) {
      const std = Math.sqrt(2 / fans(shape).fanIn) / 0.87962566103423978; // truncation correction, as Keras
      for (let i = 0; i < values.length; i++) {
        let v: number;
        do v = random.normal(); while (Math.abs(v) > 2);
        values[i] = v * std;
      }
    },
  };
}

/** All zeros. */
export function zeros(): Initializer {
  return { name: 'zeros', fill: (values) => values.fill(0) };
}

/** All ones. */
export function ones(): Initializer {
  return { name: 'ones', fill: (values) => values.fill(1) };
}

const BY_NAME: Record<string, () => Initializer> = { glorotUniform, heNormal, zeros, ones };

/** An initializer by name or as given; `who` names the layer argument for the error. */
export function getInitializer(value: string | Initializer | undefined, fallback: string, who: string): Initializer {
  if (value !== undefined && typeof value !== 'string') return value;
  const name = value ?? fallback;
  const make = Object.prototype.hasOwnProperty.call(BY_NAME, name) ? BY_NAME[name] : undefined;
  if (!make) throw new Error(`${who}: unknown initializer '${name}'; expected one of ${Object.keys(BY_NAME).join(', ')}`);
  return make();
}
