import * as tf from '@tensorflow/tfjs';

/** tf.initializers' base class, which TF.js exports only as a type of its factories. */
export type Initializer = ReturnType<typeof tf.initializers.ones>;

/** An initializer as a layer config holds it: its name (`"glorotUniform"`), its serialised form, or the object. */
export type InitializerSpec = string | { className: string; config: Record<string, unknown> } | Initializer;

function isInitializer(value: unknown): value is Initializer {
  return value instanceof tf.serialization.Serializable && typeof (value as Initializer).apply === 'function';
}

/** The initializer `spec` names, or `fallback` when it names none. */
export function toInitializer(spec: unknown, fallback: () => Initializer): Initializer {
  if (spec === undefined || spec === null) return fallback();
  if (isInitializer(spec)) return spec;
  if (typeof spec === 'string') {
    const factory = (tf.initializers as unknown as Record<string, ((args: object) => Initializer) | undefined>)[spec];
    if (typeof factory !== 'function') throw new Error(`Unknown initializer: ${spec}`);
    return factory({});
  }
  const { className, config } = spec as { className?: unknown; config?: unknown };
  const entry = typeof className === 'string' ? tf.serialization.SerializationMap.getMap().classNameMap[className] : undefined;
  if (entry === undefined) throw new Error(`Unknown initializer: ${String(className)}`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, (config ?? {}) as tf.serialization.ConfigDict) as Initializer;
}

/** `initializer` as a config entry (what getConfig returns and fromConfig reads back). */
export function serializeInitializer(initializer: Initializer): tf.serialization.ConfigDict {
  return { className: initializer.getClassName(), config: initializer.getConfig() };
}

/**
 * The same initializer with its seed moved on by `offset`: a layer that
 * draws several weights of one shape from one seeded initializer (query,
 * key and value kernels) would otherwise start them identical. Unseeded
 * initializers draw fresh values at every call already.
 */
export function withSeedOffset(initializer: Initializer, offset: number): Initializer {
  const config = initializer.getConfig() as Record<string, unknown>;
  if (typeof config.seed !== 'number' || offset === 0) return initializer;
  return toInitializer({ className: initializer.getClassName(), config: { ...config, seed: config.seed + offset } }, () => initializer);
}
