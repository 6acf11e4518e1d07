import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOnnxModel } from "../../app/src/jobs/checkOnnxModel.ts";
import { createLeNet5Onnx } from "../../keepers/src/training/lenet5.ts";
import { SUPPORTED_ONNX_OPS } from "../../keepers/src/training/onnxImport.ts";
import { onnx } from "../../keepers/src/training/onnxProto.ts";

/** LeNet-5 with one change to its decoded protobuf. */
function edited(edit: (model: ReturnType<typeof onnx.ModelProto.decode>) => void): Uint8Array {
  const model = onnx.ModelProto.decode(createLeNet5Onnx({ seed: 1n }));
  edit(model);
  return onnx.ModelProto.encode(model).finish();
}

describe("checkOnnxModel", () => {
  it("accepts the LeNet-5 template and summarises it", () => {
    const check = checkOnnxModel(createLeNet5Onnx({ seed: 1n }));
    assert.ok(check.ok);
    assert.match(check.summary, /input \[1×28×28\], 10 classes/);
    assert.match(check.summary, /conv → relu → maxPool/);
  });

  describe("when a node's op is not one the engine trains", () => {
    it("names the op and the node, and lists the supported ops", () => {
      let node = "";
      const check = checkOnnxModel(edited((model) => {
        const relu = model.graph!.node!.find((n) => n.opType === "Relu")!;
        relu.opType = "Elu";
        node = relu.name!;
      }));
      assert.ok(!check.ok);
      assert.match(check.message, new RegExp(`unsupported ONNX op Elu \\(node "${node}"\\)`));
      assert.ok(check.message.includes(`supported: ${SUPPORTED_ONNX_OPS.join(", ")}`), check.message);
    });
  });

  it("refuses an attribute the engine does not support, naming it", () => {
    const check = checkOnnxModel(edited((model) => {
      const conv = model.graph!.node!.find((n) => n.opType === "Conv")!;
      conv.attribute!.push(onnx.AttributeProto.create({ name: "group", type: 2, i: 2 }));
    }));
    assert.ok(!check.ok);
    assert.match(check.message, /attribute group=2 is not supported/);
  });

  it("refuses bytes that are not ONNX", () => {
    const check = checkOnnxModel(new TextEncoder().encode("not a model"));
    assert.ok(!check.ok);
    assert.match(check.message, /not a valid ONNX protobuf/);
  });

  it("refuses a file larger than one IPFS block", () => {
    const check = checkOnnxModel(new Uint8Array(1024 * 1024 + 1));
    assert.ok(!check.ok);
    assert.match(check.message, /must fit one IPFS block of 1048576 bytes/);
  });
});
