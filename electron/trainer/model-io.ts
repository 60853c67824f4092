/**
 * Saving and loading model weights in tfjs's own artifact format: model.json (topology and
 * weights manifest) beside weights.bin, so tfjs (tf.io) and LR Lab both read it.
 */
import * as tf from '@tensorflow/tfjs'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import type { ModelConfig } from '../../shared/config'
import type { Model } from './model'
import { printable, readRegularFile } from './user-file'

export const MODEL_DIR = 'model'
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024
const MAX_WEIGHTS_BYTES = 2 * 1024 * 1024 * 1024

/** Weights by layer, in layer order: each layer's [kernel, bias]. */
export type LayerWeights = { name: string; tensors: tf.Tensor[] }[]

export async function saveModel(model: Model, config: ModelConfig, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  // Trained variables, then the layer's buffers (batch norm's running statistics), layer by layer.
  const stateOf = (l: Model['layers'][number]): tf.Variable[] => [...l.vars, ...(l.buffers ?? [])]
  const named = model.layers.flatMap((l) => stateOf(l).map((v) => ({ name: v.name, tensor: v as tf.Tensor })))
  const { data, specs } = await tf.io.encodeWeights(named)
  const json = {
    format: 'lr-lab-dense',
    generatedBy: `TensorFlow.js tfjs-core v${tf.version_core}`,
    convertedBy: null,
    modelTopology: { config, layers: model.layers.map((l) => ({ name: l.name, variables: stateOf(l).map((v) => ({ name: v.name, shape: v.shape, trainable: v.trainable })) })) },
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  }
  // Weights first, then the manifest, each replaced atomically: a crash never leaves a manifest pointing at missing weights.
  writeFileSync(join(dir, 'weights.bin.tmp'), Buffer.from(data))
  renameSync(join(dir, 'weights.bin.tmp'), join(dir, 'weights.bin'))
  writeFileSync(join(dir, 'model.json.tmp'), JSON.stringify(json, null, 1))
  renameSync(join(dir, 'model.json.tmp'), join(dir, 'model.json'))
}

/**
 * Dense layers of a saved model, in order: LR Lab's own files (one entry per layer) or a tfjs
 * Layers model.json (kernels and biases paired in manifest order).
 */
export function loadLayerWeights(modelJsonPath: string): LayerWeights {
  if (!existsSync(modelJsonPath)) throw new Error(`no model at ${modelJsonPath}`)
  const fail = (reason: string): Error => new Error(reason)
  let json: {
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
    modelTopology?: { layers?: { name: string; variables: unknown[] }[] }
  }
  try {
    json = JSON.parse(readRegularFile(modelJsonPath, MAX_MODEL_JSON_BYTES, fail).toString('utf8'))
  } catch (e) {
    // The parser's message quotes the file (say /etc/passwd): say what it is not instead.
    if (e instanceof SyntaxError) throw new Error(`${modelJsonPath} is not a tfjs model.json (not valid JSON)`, { cause: e })
    throw e
  }
  if (typeof json !== 'object' || json === null || !Array.isArray(json.weightsManifest) || !json.weightsManifest.length) {
    throw new Error(`${modelJsonPath} has no weightsManifest (not a tfjs model.json)`)
  }
  const specs: tf.io.WeightsManifestEntry[] = []
  const buffers: Buffer[] = []
  for (const group of json.weightsManifest) {
    specs.push(...group.weights)
    for (const p of group.paths) {
      // Weight files sit beside model.json: a path that leaves its folder is not read.
      if (typeof p !== 'string' || isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
        throw new Error(`${modelJsonPath}: weights path ${JSON.stringify(printable(String(p), 60))} is not a file beside it`)
      }
      buffers.push(readRegularFile(join(dirname(modelJsonPath), p), MAX_WEIGHTS_BYTES, fail))
    }
  }
  const all = Buffer.concat(buffers)
  const decoded = tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), specs)
  const ordered = specs.map((s) => decoded[s.name]!)
  const layers: LayerWeights = []
  const own = json.modelTopology?.layers
  if (own && own.every((l) => Array.isArray(l.variables))) {
    let k = 0
    for (const l of own) layers.push({ name: l.name, tensors: l.variables.map(() => ordered[k++]!) })
  } else {
    // A Layers model: 2-D kernels each followed by its 1-D bias.
    for (let i = 0; i < ordered.length; i++) {
      const t = ordered[i]!
      if (t.rank !== 2) continue
      const bias = ordered[i + 1]?.rank === 1 ? ordered[i + 1]! : null
      layers.push({ name: specs[i]!.name.split('/')[0]!, tensors: bias ? [t, bias] : [t] })
    }
  }
  return layers
}

/** A saved model's layers from a model folder (a run's `model/`) or a model.json path: the backbone fine-tuning starts from. */
export function loadBackbone(dirOrModelJson: string): LayerWeights {
  return loadLayerWeights(dirOrModelJson.endsWith('.json') ? dirOrModelJson : join(dirOrModelJson, 'model.json'))
}

/**
 * Copy saved weights into a model's layers (all but the head when newHead); shapes must match.
 * Buffers (batch norm's running statistics) are copied when the file has them, else keep their defaults.
 */
export function applyLayerWeights(model: Model, saved: LayerWeights, newHead: boolean, source: string): void {
  const targets = newHead ? model.layers.slice(0, -1) : model.layers
  if (saved.length < targets.length) throw new Error(`${source} has ${saved.length} dense layers; this model needs ${targets.length}${newHead ? ' (all but the new head)' : ''}`)
  targets.forEach((layer, i) => {
    const from = saved[i]!
    const buffers = layer.buffers ?? []
    const withBuffers = from.tensors.length >= layer.vars.length + buffers.length
    const into = withBuffers ? [...layer.vars, ...buffers] : layer.vars
    into.forEach((v, j) => {
      const t = from.tensors[j]
      if (!t || t.shape.join('×') !== v.shape.join('×'))
        throw new Error(`${source}: layer ${i + 1} (${from.name}) has shape ${t ? t.shape.join('×') : 'nothing'} where ${layer.name} needs ${v.shape.join('×')}`)
      v.assign(t)
    })
  })
}
