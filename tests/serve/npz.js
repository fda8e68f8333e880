// Reads one array of a NumPy .npz (a zip of .npy files, stored or deflated) far enough for these tests: its shape and
// its data bytes as written. Written from the zip format's central directory and the .npy v1/v2 header layout.
'use strict';
const fs = require('fs');
const zlib = require('zlib');

function entry(zip, name) {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip file');
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const entryName = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (entryName === name) {
      const method = zip.readUInt16LE(at + 10);
      const compressed = zip.readUInt32LE(at + 20);
      const local = zip.readUInt32LE(at + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      return method === 8 ? zlib.inflateRawSync(data) : data;
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`no ${name} in the zip`);
}

function read(path, array) {
  const npy = entry(fs.readFileSync(path), `${array}.npy`);
  const version = npy[6];
  const headerLength = version === 1 ? npy.readUInt16LE(8) : npy.readUInt32LE(8);
  const dataStart = (version === 1 ? 10 : 12) + headerLength;
  const header = npy.subarray(dataStart - headerLength, dataStart).toString('latin1');
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  const descr = header.match(/'descr': '([^']*)'/)[1];
  return { shape, descr, data: npy.subarray(dataStart) };
}

module.exports = { read };
