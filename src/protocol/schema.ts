import { BASELINE_NAMES, EXPLAINER_NAMES } from '../results/types.ts';

// JSON Schema of a resolved protocol. Every object is closed (unknown keys are errors) and every
// number has its range, so a typo or a type change in a user's protocol file is caught by name.

const posInt = { type: 'integer', minimum: 1 } as const;
const lrStep = {
  type: 'object',
  additionalProperties: false,
  required: ['epochs', 'lr'],
  properties: { epochs: posInt, lr: { type: 'number', exclusiveMinimum: 0, maximum: 10 } },
} as const;
const lrTable = { type: 'array', minItems: 1, items: lrStep } as const;
const nullableLimit = { anyOf: [{ type: 'null' }, posInt] } as const;

export const PROTOCOL_SCHEMA = {
  $id: 'https://prunecam.dev/schema/protocol.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'seeds', 'dataset', 'data', 'model', 'training', 'pruning', 'explain', 'metrics', 'controls', 'statistics'],
  properties: {
    name: { type: 'string', minLength: 1 },
    seeds: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'integer', minimum: 0, maximum: 4294967295 } },
    dataset: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'trainLimit', 'testLimit'],
      properties: {
        name: { enum: ['mnist', 'mnist-embedded', 'fashion-mnist'] },
        trainLimit: nullableLimit,
        testLimit: nullableLimit,
      },
    },
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['noise', 'normalize'],
      properties: {
        noise: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled', 'maxInt', 'scale'],
          properties: {
            enabled: { type: 'boolean' },
            maxInt: { type: 'integer', minimum: 0, maximum: 255 },
            scale: { type: 'number', exclusiveMinimum: 0 },
          },
        },
        normalize: {
          type: 'object',
          additionalProperties: false,
          required: ['mean', 'std'],
          properties: { mean: { type: 'number' }, std: { type: 'number', exclusiveMinimum: 0 } },
        },
      },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['init'],
      properties: { init: { enum: ['kaiming_normal'] } },
    },
    training: {
      type: 'object',
      additionalProperties: false,
      required: ['optimizer', 'pretrain', 'retrain'],
      properties: {
        optimizer: {
          type: 'object',
          additionalProperties: false,
          required: ['momentum', 'weightDecay', 'batchSize'],
          properties: {
            momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
            weightDecay: { type: 'number', minimum: 0, maximum: 1 },
            batchSize: { type: 'integer', minimum: 1, maximum: 60000 },
          },
        },
        pretrain: lrTable,
        retrain: lrTable,
      },
    },
    pruning: {
      type: 'object',
      additionalProperties: false,
      required: ['strategy', 'fraction', 'levels', 'layers'],
      properties: {
        strategy: { enum: ['sparse_global', 'random_global'] },
        fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        levels: { type: 'integer', minimum: 1, maximum: 40 },
        layers: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['conv1', 'conv2', 'fc'] } },
      },
    },
    explain: {
      type: 'object',
      additionalProperties: false,
      required: ['methods', 'baselines', 'targetLayer', 'alphaEps', 'normEps', 'resize', 'examples', 'batchSize'],
      properties: {
        methods: { type: 'array', uniqueItems: true, items: { enum: [...EXPLAINER_NAMES] } },
        baselines: { type: 'array', uniqueItems: true, items: { enum: [...BASELINE_NAMES] } },
        targetLayer: { enum: ['conv2'] },
        alphaEps: { type: 'number', minimum: 0 },
        normEps: { type: 'number', minimum: 0 },
        resize: { enum: ['opencv-linear'] },
        examples: { type: 'integer', minimum: 0, maximum: 64 },
        batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      required: ['maskThreshold', 'topK', 'deletion'],
      properties: {
        maskThreshold: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        topK: { type: 'integer', minimum: 1, maximum: 784 },
        deletion: {
          type: 'object',
          additionalProperties: false,
          required: ['images', 'steps'],
          properties: { images: { type: 'integer', minimum: 0 }, steps: { type: 'integer', minimum: 1, maximum: 784 } },
        },
      },
    },
    controls: {
      type: 'object',
      additionalProperties: false,
      required: ['randomisation'],
      properties: {
        randomisation: {
          type: 'object',
          additionalProperties: false,
          required: ['levels', 'images'],
          properties: {
            levels: { anyOf: [{ type: 'null' }, { type: 'array', uniqueItems: true, items: { type: 'integer', minimum: 0, maximum: 39 } }] },
            images: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    statistics: {
      type: 'object',
      additionalProperties: false,
      required: ['bootstrapResamples', 'minBootstrapSeeds', 'bootstrapSeed'],
      properties: {
        bootstrapResamples: { type: 'integer', minimum: 100, maximum: 1000000 },
        minBootstrapSeeds: { type: 'integer', minimum: 2 },
        bootstrapSeed: { type: 'integer', minimum: 0, maximum: 4294967295 },
      },
    },
  },
} as const;

/**
 * The protocol as reports recorded it before PROTOCOL.md Part 2: Part 1 only, one explainer
 * (`explain.method`, always Grad-CAM++). Only the report schema uses it, to keep published
 * signed reports readable; a protocol file must use the current form.
 */
export const LEGACY_PROTOCOL_SCHEMA = (() => {
  const { metrics: _m, controls: _c, statistics: _s, ...properties } = PROTOCOL_SCHEMA.properties;
  const { methods: _methods, baselines: _baselines, ...explain } = PROTOCOL_SCHEMA.properties.explain.properties;
  return {
    type: 'object',
    additionalProperties: false,
    required: PROTOCOL_SCHEMA.required.filter((k) => !['metrics', 'controls', 'statistics'].includes(k)),
    properties: {
      ...properties,
      explain: {
        type: 'object',
        additionalProperties: false,
        required: ['method', ...PROTOCOL_SCHEMA.properties.explain.required.filter((k) => k !== 'methods' && k !== 'baselines')],
        properties: { method: { enum: ['gradcampp'] }, ...explain },
      },
    },
  };
})();
