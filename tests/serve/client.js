// The checks of tests/serve/run.sh that need more than curl: builds an OIP binary tensor request from a NIfTI case,
// compares an inference answer (HTTP binary, or gRPC through @grpc/grpc-js loading our .proto) with the labels of the
// segmentation `segengine predict` wrote for the same case, or its probabilities with the .npz of --save_probabilities.
//   node client.js http-body CASE.nii.gz BODY [OUTPUT]   writes the request body asking for OUTPUT (labels) as binary
//                                                        data, prints the JSON header's length
//   node client.js http-check RESPONSE HEADER_LEN EXPECTED_SEG.nii.gz
//   node client.js http-probabilities-check RESPONSE HEADER_LEN EXPECTED.npz
//   node client.js grpc ADDRESS MODEL CASE.nii.gz EXPECTED_SEG.nii.gz
'use strict';
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const nifti = require('./nifti');
const npz = require('./npz');

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function expectedLabels(segmentation) {
  const seg = nifti.read(segmentation);
  return { shape: seg.shape, labels: Uint8Array.from(seg.voxels) };
}

function compare(what, shape, bytes, expected) {
  if (JSON.stringify(shape.map(Number)) !== JSON.stringify(expected.shape)) fail(`${what}: shape ${shape} != ${expected.shape}`);
  if (bytes.length !== expected.labels.length) fail(`${what}: ${bytes.length} label bytes, expected ${expected.labels.length}`);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== expected.labels[i]) fail(`${what}: label ${i} is ${bytes[i]}, expected ${expected.labels[i]}`);
  }
  console.log(`ok: ${what} labels equal segengine predict's (${bytes.length} voxels)`);
}

function httpBody(casePath, bodyPath, outputName) {
  const image = nifti.read(casePath);
  const data = Buffer.from(image.voxels.buffer);
  const header = Buffer.from(JSON.stringify({
    id: 'curl',
    parameters: { spacing: image.spacing.join(',') },
    inputs: [{ name: 'image', datatype: 'FP32', shape: [1, ...image.shape], parameters: { binary_data_size: data.length } }],
    outputs: [{ name: outputName || 'labels', parameters: { binary_data: true } }],
  }));
  fs.writeFileSync(bodyPath, Buffer.concat([header, data]));
  console.log(header.length);
}

function httpCheck(responsePath, headerLength, segmentation) {
  const body = fs.readFileSync(responsePath);
  const header = JSON.parse(body.subarray(0, headerLength).toString('utf8'));
  const output = header.outputs[0];
  if (output.name !== 'labels' || output.datatype !== 'UINT8') fail(`HTTP: unexpected output ${JSON.stringify(output)}`);
  compare('HTTP binary infer', output.shape, body.subarray(headerLength), expectedLabels(segmentation));
}

function httpProbabilitiesCheck(responsePath, headerLength, npzPath) {
  const body = fs.readFileSync(responsePath);
  const output = JSON.parse(body.subarray(0, headerLength).toString('utf8')).outputs[0];
  const expected = npz.read(npzPath, 'probabilities');
  if (output.name !== 'probabilities' || output.datatype !== 'FP32' || expected.descr !== '<f4') fail(`HTTP: unexpected output ${JSON.stringify(output)} for ${expected.descr}`);
  if (JSON.stringify(output.shape) !== JSON.stringify(expected.shape)) fail(`HTTP probabilities: shape ${output.shape} != the npz's ${expected.shape}`);
  if (!body.subarray(headerLength).equals(expected.data)) fail('HTTP probabilities: the bytes differ from the npz');
  console.log(`ok: HTTP binary probabilities equal the .npz of predict --save_probabilities (${expected.data.length} bytes)`);
}

function call(client, method, request) {
  return new Promise((resolve, reject) => client[method](request, (error, response) => (error ? reject(error) : resolve(response))));
}

async function grpcCheck(address, model, casePath, segmentation) {
  const definition = protoLoader.loadSync(path.join(__dirname, '../../engine/SegEngine.Server/Grpc/inference.proto'), { keepCase: true, longs: Number, defaults: true });
  const inference = grpc.loadPackageDefinition(definition).inference;
  const client = new inference.GRPCInferenceService(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1,
  });
  if (!(await call(client, 'ServerLive', {})).live) fail('gRPC ServerLive is false');
  if (!(await call(client, 'ServerReady', {})).ready) fail('gRPC ServerReady is false');
  if (!(await call(client, 'ModelReady', { name: model })).ready) fail('gRPC ModelReady is false');
  const metadata = await call(client, 'ModelMetadata', { name: model });
  if (metadata.inputs[0].name !== 'image' || metadata.outputs[0].name !== 'labels') fail(`gRPC metadata: ${JSON.stringify(metadata)}`);
  console.log('ok: gRPC ServerLive, ServerReady, ModelReady, ModelMetadata');

  const image = nifti.read(casePath);
  const response = await call(client, 'ModelInfer', {
    model_name: model,
    id: 'grpc-js',
    parameters: { spacing: { string_param: image.spacing.join(',') } },
    inputs: [{ name: 'image', datatype: 'FP32', shape: [1, ...image.shape] }],
    raw_input_contents: [Buffer.from(image.voxels.buffer)],
  });
  if (response.id !== 'grpc-js') fail(`gRPC id ${response.id}`);
  compare('gRPC ModelInfer', response.outputs[0].shape, response.raw_output_contents[0], expectedLabels(segmentation));

  try {
    await call(client, 'ModelInfer', { model_name: model, parameters: { spacing: { string_param: '1,1,1' } }, inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 4, 4, 4] }], raw_input_contents: [Buffer.alloc(10)] });
    fail('gRPC: a wrong-sized tensor was accepted');
  } catch (error) {
    if (error.code !== grpc.status.INVALID_ARGUMENT || !/needs 256 bytes/.test(error.details)) fail(`gRPC: wrong-sized tensor gave ${error.code} ${error.details}`);
    console.log(`ok: gRPC wrong-sized tensor is INVALID_ARGUMENT: ${error.details}`);
  }
  client.close();
}

const [command, ...args] = process.argv.slice(2);
const commands = {
  'http-body': () => httpBody(args[0], args[1], args[2]),
  'http-probabilities-check': () => httpProbabilitiesCheck(args[0], Number(args[1]), args[2]),
  'http-check': () => httpCheck(args[0], Number(args[1]), args[2]),
  grpc: () => grpcCheck(args[0], args[1], args[2], args[3]),
};
if (!commands[command]) fail(`unknown command ${command}`);
Promise.resolve(commands[command]()).catch(error => fail(error.stack || String(error)));
