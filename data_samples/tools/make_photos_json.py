"""Write data_samples/photos/annotations/instances_samples.json from the hand-drawn boxes below.

Boxes were drawn by hand (xyxy pixels in the resized JPEGs under photos/samples/) by looking at each
picture on a 50-px grid; category ids are COCO's own. Run from the repository root:
``python data_samples/tools/make_photos_json.py``.
"""

import json
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1] / "photos"
CATEGORIES = {1: "person", 4: "motorcycle", 17: "cat", 32: "tie", 47: "cup", 50: "spoon", 85: "clock"}
BOXES = {  # file -> [(coco category id, x1, y1, x2, y2)]
    "astronaut.jpg": [(1, 22, 14, 362, 512)],
    "camera.jpg": [(1, 0, 64, 332, 512)],
    "chelsea.jpg": [(17, 20, 0, 410, 300)],
    "clock.jpg": [(85, 145, 95, 290, 218)],
    "coffee.jpg": [(47, 172, 18, 412, 305), (50, 322, 65, 425, 327)],
    "grace_hopper.jpg": [(1, 12, 22, 512, 600), (32, 213, 405, 300, 478)],
    "hubble.jpg": [],  # a negative: no COCO object
    "motorcycle.jpg": [(4, 80, 40, 592, 392)],
    "rocket.jpg": [],  # a negative: no COCO object
}


def build() -> dict:
    images, annotations = [], []
    for image_id, (name, boxes) in enumerate(sorted(BOXES.items()), start=1):
        w, h = Image.open(ROOT / "samples" / name).size
        images.append({"id": image_id, "file_name": name, "width": w, "height": h})
        for cat, x1, y1, x2, y2 in boxes:
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id, "category_id": cat,
                "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1), "iscrowd": 0,
                "segmentation": [[x1, y1, x2, y1, x2, y2, x1, y2]],
            })
    categories = [{"id": i, "name": n, "supercategory": "coco"} for i, n in CATEGORIES.items()]
    return {"info": {"description": "yolox_edu sample photos, boxes drawn by hand"},
            "licenses": [], "images": images, "annotations": annotations, "categories": categories}


if __name__ == "__main__":
    out = ROOT / "annotations" / "instances_samples.json"
    out.write_text(json.dumps(build(), indent=1) + "\n")
    print(f"wrote {out}")
