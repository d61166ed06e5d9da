/**
 * The two networks every benchmark measures, as builders over the library they are given: the
 * main job's 784-128-10 MLP and the example CNN of examples/mnist-cnn.ts. Plain ESM, so the
 * cross-runtime workload runs it unbuilt in every runtime; bench/models.ts binds it to src/.
 */

/** 784-128(ReLU)-10(softmax). */
export function mlpModel(nn) {
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
}

/** Conv(8) → MaxPool → Conv(16) → MaxPool → Dense(128) → Dense(10), on flat 784-pixel input. */
export function cnnModel(nn) {
  return nn.sequential({ layers: [
    nn.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }),
    nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 128, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
}
