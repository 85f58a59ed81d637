"""The command line's shared rules: one error style, --size checked alike, mutually exclusive inputs,
one handler naming scheme, and only the channel-order notice silenced when loading a checkpoint."""

from __future__ import annotations

import warnings

import pytest
import torch

from yolox_edu import build_model
from yolox_edu import cli as cli_mod
from yolox_edu.checkpoint import ChannelOrderNotice, load_model
from yolox_edu.cli import build_parser, main
from yolox_edu.cli_options import input_size
from yolox_edu.errors import UsageError
from yolox_edu.samples import data_samples, demo_checkpoint

IMAGE = str(data_samples() / "synth" / "val" / "000013.jpg")


def _commands(parser):
    sub = next(a for a in parser._actions if a.choices and "predict" in a.choices)
    return sub.choices


def test_every_command_handler_is_named_run_something():
    handlers = {}
    for name, p in _commands(build_parser()).items():
        func = p.get_default("func")
        if func is None:  # a command with sub-commands of its own
            nested = next(a for a in p._actions if a.choices and isinstance(a.choices, dict))
            handlers |= {f"{name} {n}": q.get_default("func") for n, q in nested.choices.items()}
        else:
            handlers[name] = func
    assert handlers and all(f.__name__.startswith("run_") for f in handlers.values()), {
        k: f.__name__ for k, f in handlers.items()}


def test_input_size_one_number_or_two_multiples_of_32():
    assert input_size(None) is None and input_size([320]) == (320, 320) and input_size([320, 640]) == (320, 640)
    assert input_size((320, 640)) == (320, 640)  # already parsed
    for bad in ([100], [320, 320, 320], [0], [-32]):
        with pytest.raises(UsageError, match="multiple of 32"):
            input_size(bad)


@pytest.mark.parametrize("command", [
    ["predict", "--ckpt", "m.pth", "--image", "x.jpg", "--out", "o.jpg"],
    ["eval", "--ckpt", "m.pth", "--data", "d", "--out", "o"],
    ["export", "--ckpt", "m.pth", "--format", "onnx", "--out", "m.onnx"],
])
def test_size_is_checked_alike_while_parsing(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--size", "100"])
    assert exit_info.value.code == 2 and "--size takes one or two positive numbers" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["predict", "--ckpt", "m.pth", "--onnx", "m.onnx", "--image", "x.jpg", "--out", "o.jpg"],
    ["eval", "--ckpt", "m.pth", "--detections", "d.json", "--data", "d", "--out", "o"],
])
def test_mutually_exclusive_inputs_are_refused_by_argparse(command, capsys):
    with pytest.raises(SystemExit):
        main(command)
    assert "not allowed with argument" in capsys.readouterr().err


def test_usage_errors_are_one_line_and_bugs_keep_their_traceback(monkeypatch, capsys):
    def usage(args):
        raise UsageError("--image: nothing to see")

    monkeypatch.setattr(cli_mod, "run_predict", usage)
    assert main(["predict", "--ckpt", "m.pth", "--image", "x.jpg", "--out", "o.jpg"]) == 2
    assert capsys.readouterr().err == "yolox-edu predict: error: --image: nothing to see\n"

    def bug(args):
        raise KeyError("a bug")

    monkeypatch.setattr(cli_mod, "run_predict", bug)
    with pytest.raises(KeyError, match="a bug"):
        main(["predict", "--ckpt", "m.pth", "--image", "x.jpg", "--out", "o.jpg"])


def test_predict_refuses_a_class_count_the_checkpoint_was_not_trained_for(tmp_path, capsys):
    rc = main(["predict", "--model", "yolox-nano", "--ckpt", str(demo_checkpoint()), "--num-classes", "3",
               "--image", IMAGE, "--out", str(tmp_path / "o.jpg")])
    assert rc == 2 and "predicts 6 classes, not --num-classes 3" in capsys.readouterr().err
    assert not (tmp_path / "o.jpg").exists()


def test_load_model_silences_the_channel_order_notice_alone(tmp_path, monkeypatch):
    import yolox_edu.checkpoint as ckpt_mod

    official = tmp_path / "official.pth"  # no config: official weights, which expect BGR
    torch.save({"model": build_model("yolox-nano", num_classes=3).state_dict()}, official)
    real_load = ckpt_mod.load_checkpoint

    def load_and_warn(model, path):  # another warning raised while loading must still reach the user
        warnings.warn("class layers re-initialised", UserWarning, stacklevel=2)
        return real_load(model, path)

    monkeypatch.setattr(ckpt_mod, "load_checkpoint", load_and_warn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, _ = load_model("yolox-nano", official)
    assert model.cfg.bgr and not model.training and model.num_classes == 3
    assert [str(w.message) for w in caught] == ["class layers re-initialised"]
    with pytest.warns(ChannelOrderNotice, match="BGR"):  # load_checkpoint itself still says it
        real_load(build_model("yolox-nano", num_classes=3), official)
