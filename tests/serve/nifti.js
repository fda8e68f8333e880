// Reads a NIfTI-1 file (.nii or .nii.gz) far enough for these tests: its dims, spacing and voxels as float32 in file
// order (x fastest), which is the [Z, Y, X] array order the server's tensors use. Written from the NIfTI-1 header layout.
'use strict';
const fs = require('fs');
const zlib = require('zlib');

const readers = {
  2: (b, o) => b.readUInt8(o), 4: (b, o) => b.readInt16LE(o), 8: (b, o) => b.readInt32LE(o),
  16: (b, o) => b.readFloatLE(o), 64: (b, o) => b.readDoubleLE(o), 256: (b, o) => b.readInt8(o), 512: (b, o) => b.readUInt16LE(o),
};
const sizes = { 2: 1, 4: 2, 8: 4, 16: 4, 64: 8, 256: 1, 512: 2 };

function read(path) {
  let bytes = fs.readFileSync(path);
  if (path.endsWith('.gz')) bytes = zlib.gunzipSync(bytes);
  if (bytes.readInt32LE(0) !== 348) throw new Error(`${path}: not a little-endian NIfTI-1 file`);
  const rank = bytes.readInt16LE(40);
  const dims = [1, 2, 3].map(i => (i <= rank ? bytes.readInt16LE(40 + 2 * i) : 1)); // x, y, z
  const datatype = bytes.readInt16LE(70);
  const pixdim = [1, 2, 3].map(i => bytes.readFloatLE(76 + 4 * i));
  const offset = Math.round(bytes.readFloatLE(108));
  let slope = bytes.readFloatLE(112);
  const inter = bytes.readFloatLE(116);
  if (!slope) slope = 1;
  const reader = readers[datatype];
  if (!reader) throw new Error(`${path}: datatype ${datatype} is not read by this test helper`);
  const count = dims[0] * dims[1] * dims[2];
  const voxels = new Float32Array(count);
  for (let i = 0; i < count; i++) voxels[i] = reader(bytes, offset + i * sizes[datatype]) * slope + inter;
  return { shape: [dims[2], dims[1], dims[0]], spacing: [pixdim[2], pixdim[1], pixdim[0]], voxels };
}

module.exports = { read };
