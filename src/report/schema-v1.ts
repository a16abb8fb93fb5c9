// The protocol schema of report schema version 1 (prunecam before the Part 2 protocol fields),
// frozen: a report written then still verifies against the layout it was written with.
// Do not edit; the current protocol schema is src/protocol/schema.ts.


const posInt = { type: 'integer', minimum: 1 } as const;
const lrStep = {
  type: 'object',
  additionalProperties: false,
  required: ['epochs', 'lr'],
  properties: { epochs: posInt, lr: { type: 'number', exclusiveMinimum: 0, maximum: 10 } },
} as const;
const lrTable = { type: 'array', minItems: 1, items: lrStep } as const;
const nullableLimit = { anyOf: [{ type: 'null' }, posInt] } as const;

export const PROTOCOL_SCHEMA_V1 = {
  $id: 'https://prunecam.dev/schema/protocol-v1.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'seeds', 'dataset', 'data', 'model', 'training', 'pruning', 'explain'],
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
        strategy: { enum: ['sparse_global'] },
        fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        levels: { type: 'integer', minimum: 1, maximum: 40 },
        layers: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['conv1', 'conv2', 'fc'] } },
      },
    },
    explain: {
      type: 'object',
      additionalProperties: false,
      required: ['method', 'targetLayer', 'alphaEps', 'normEps', 'resize', 'examples', 'batchSize'],
      properties: {
        method: { enum: ['gradcampp', 'gradcam'] },
        targetLayer: { enum: ['conv2'] },
        alphaEps: { type: 'number', minimum: 0 },
        normEps: { type: 'number', minimum: 0 },
        resize: { enum: ['opencv-linear'] },
        examples: { type: 'integer', minimum: 0, maximum: 64 },
        batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
      },
    },
  },
} as const;
