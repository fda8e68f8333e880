#!/usr/bin/env python3
"""FLOPs of one forward pass of an ONNX network, counted from its graph (no onnx package needed).

usage: onnx_flops.py MODEL.onnx [--batch N]

Reads the ModelProto with a minimal protobuf decoder, propagates shapes from the fixed input through the ops that
nnU-Net networks use (Conv, ConvTranspose, InstanceNormalization, LeakyRelu, Relu, AveragePool, Add, Concat; and
the Identity, Pad and Constant nodes of torch's export)
and prints, per op type, the multiply-accumulates (MACs) and FLOPs (2 per MAC for Conv/ConvTranspose; the
element-wise ops are counted at their own cost), plus the bytes of every activation tensor (fp32). The patch axes
must be fixed in the model (they are in nnU-Net exports: N is the only dynamic axis).
"""
import struct
import sys
from collections import OrderedDict


def varint(buf, pos):
    shift = value = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def fields(buf, start=0, end=None):
    """Yields (field number, wire type, value) of one message; length-delimited values are (start, end) spans."""
    pos, end = start, len(buf) if end is None else end
    while pos < end:
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        elif wire == 2:
            length, pos = varint(buf, pos)
            value, pos = (pos, pos + length), pos + length
        else:
            raise ValueError(f"wire type {wire} at {pos}")
        yield number, wire, value


def text(buf, span):
    return bytes(buf[span[0]:span[1]]).decode()


def packed_ints(buf, span):
    pos, out = span[0], []
    while pos < span[1]:
        v, pos = varint(buf, pos)
        out.append(v - (1 << 64) if v >= 1 << 63 else v)
    return out


def attribute(buf, span):
    name, ints, i = None, [], None
    for number, wire, value in fields(buf, *span):
        if number == 1:
            name = text(buf, value)
        elif number == 3:
            i = value
        elif number == 8:
            ints.extend(packed_ints(buf, value) if wire == 2 else [value])
    return name, (ints if ints else i)


def tensor_dims(buf, span):
    dims, name = [], None
    for number, wire, value in fields(buf, *span):
        if number == 1:
            dims.extend(packed_ints(buf, value) if wire == 2 else [value])
        elif number == 8:
            name = text(buf, value)
    return name, dims


def value_info_shape(buf, span):
    """ValueInfoProto → (name, dims with None for symbolic axes)."""
    name, dims = None, []
    for number, _, value in fields(buf, *span):
        if number == 1:
            name = text(buf, value)
        elif number == 2:  # TypeProto
            for n2, _, v2 in fields(buf, *value):
                if n2 == 1:  # tensor_type
                    for n3, _, v3 in fields(buf, *v2):
                        if n3 == 2:  # TensorShapeProto
                            for n4, _, v4 in fields(buf, *v3):
                                if n4 == 1:  # Dimension
                                    dim = None
                                    for n5, w5, v5 in fields(buf, *v4):
                                        if n5 == 1 and w5 == 0:
                                            dim = v5
                                    dims.append(dim)
    return name, dims


def load(path):
    buf = memoryview(open(path, "rb").read())
    graph = next(value for number, _, value in fields(buf) if number == 7)
    nodes, weights, inputs, outputs = [], {}, [], []
    for number, _, value in fields(buf, *graph):
        if number == 1:
            node = {"inputs": [], "outputs": [], "attrs": {}}
            for n2, _, v2 in fields(buf, *value):
                if n2 == 1:
                    node["inputs"].append(text(buf, v2))
                elif n2 == 2:
                    node["outputs"].append(text(buf, v2))
                elif n2 == 4:
                    node["op"] = text(buf, v2)
                elif n2 == 5:
                    key, val = attribute(buf, v2)
                    node["attrs"][key] = val
            nodes.append(node)
        elif number == 5:
            name, dims = tensor_dims(buf, value)
            weights[name] = dims
        elif number == 11:
            inputs.append(value_info_shape(buf, value))
        elif number == 12:
            outputs.append(value_info_shape(buf, value))
    return nodes, weights, inputs, outputs


def count(path, batch=1):
    nodes, weights, inputs, _ = load(path)
    shapes = {}
    for name, dims in inputs:
        if name not in weights:
            shapes[name] = [batch if d is None or d <= 0 else d for d in dims]
    macs, flops, acts = OrderedDict(), OrderedDict(), 0
    for node in nodes:
        op, x = node["op"], node["inputs"]
        a = node["attrs"]
        if op == "Constant":
            continue
        if op == "Identity" and x[0] in weights:  # torch's export aliases shared parameters
            weights[node["outputs"][0]] = weights[x[0]]
            continue
        if op in ("Identity", "Pad"):  # Pad (torch's AvgPool export) pads nothing at nnU-Net's divisible shapes
            shapes[node["outputs"][0]] = shapes[x[0]]
            continue
        if op in ("Conv", "ConvTranspose"):
            w = weights[x[1]]
            n, c_in, *spatial = shapes[x[0]]
            strides = a.get("strides") or [1] * len(spatial)
            if op == "Conv":
                out = [n, w[0]] + [-(-s // t) for s, t in zip(spatial, strides)]
                mac = n * w[0] * c_in * prod(w[2:]) * prod(out[2:])
            else:
                out = [n, w[1]] + [s * t for s, t in zip(spatial, strides)]
                mac = n * c_in * w[1] * prod(w[2:]) * prod(spatial)
            macs[op] = macs.get(op, 0) + mac
            flops[op] = flops.get(op, 0) + 2 * mac + (prod(out) if len(x) > 2 else 0)
        elif op == "Concat":
            parts = [shapes[i] for i in x]
            out = list(parts[0])
            out[1] = sum(p[1] for p in parts)
        elif op == "AveragePool":
            k = a["kernel_shape"]
            src = shapes[x[0]]
            out = src[:2] + [s // t for s, t in zip(src[2:], a["strides"])]
            flops[op] = flops.get(op, 0) + prod(out) * prod(k)
        else:  # InstanceNormalization (~5/elem: mean, var, normalise, scale, shift), LeakyRelu/Relu (1), Add (1)
            out = list(shapes[x[0]])
            per = {"InstanceNormalization": 5, "LeakyRelu": 1, "Relu": 1, "Add": 1}.get(op)
            if per is None:
                raise ValueError(f"op {op} is not counted")
            flops[op] = flops.get(op, 0) + per * prod(out)
        shapes[node["outputs"][0]] = out
        acts += prod(out) * 4
    return macs, flops, acts, shapes, nodes, weights


def prod(values):
    result = 1
    for v in values:
        result *= v
    return result


def main():
    path = sys.argv[1]
    batch = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 1
    macs, flops, acts, shapes, nodes, weights = count(path, batch)
    params = sum(prod(d) for name, d in weights.items() if not any(name in n["outputs"] for n in nodes))
    print(f"{path}: {len(nodes)} nodes, {params / 1e6:.2f} M parameters ({params * 4 / 2**20:.1f} MiB fp32)")
    print(f"output {nodes[-1]['outputs'][0]} {shapes[nodes[-1]['outputs'][0]]}")
    for op in macs:
        print(f"  {op:14s} {macs[op] / 1e9:10.2f} GMAC  {flops[op] / 1e9:10.2f} GFLOP")
    other = sum(v for k, v in flops.items() if k not in macs)
    print(f"  {'element-wise':14s} {'':15s} {other / 1e9:10.2f} GFLOP (norm, nonlin, add, pool)")
    total = sum(flops.values())
    print(f"total {total / 1e9:.2f} GFLOP per forward (batch {batch}); {total / 1e12:.4f} TFLOP")
    print(f"activations written {acts / 2**30:.2f} GiB fp32 (every node output once)")


if __name__ == "__main__":
    main()
