import math

import pytest
import torch

from yolox_edu import build_model
from yolox_edu.train.ema import ModelEMA, ema_decay
from yolox_edu.train.experiment import config_from_dict, experiment_preset, parse_overrides
from yolox_edu.train.optim import build_optimizer, param_groups
from yolox_edu.train.schedule import yolox_lr

KW = dict(base_lr=0.01, total_iters=1000, warmup_iters=100, no_aug_iters=150, warmup_lr=0.0, min_lr_ratio=0.05)


def test_lr_schedule_shape():
    assert yolox_lr(0, **KW) == 0.0
    assert yolox_lr(50, **KW) == pytest.approx(0.01 * 0.25)  # quadratic warmup: (50/100)²
    assert yolox_lr(100, **KW) == pytest.approx(0.01)
    mid = 100 + (1000 - 100 - 150) // 2
    assert yolox_lr(mid, **KW) == pytest.approx(0.0005 + 0.5 * 0.0095, rel=1e-3)  # halfway down the cosine
    assert yolox_lr(849, **KW) == pytest.approx(0.0005, rel=1e-3)
    assert all(yolox_lr(i, **KW) == pytest.approx(0.0005) for i in range(850, 1000))  # flat no-aug tail
    lrs = [yolox_lr(i, **KW) for i in range(100, 850)]
    assert all(a >= b for a, b in zip(lrs, lrs[1:])), "cosine part decreases monotonically"


def test_lr_schedule_matches_official_formula():
    # the official "yoloxwarmcos" written independently from the spec, as a cross-check
    def reference(it):
        lr, min_lr = 0.01, 0.0005
        if it <= 100:
            return lr * (it / 100) ** 2
        if it >= 850:
            return min_lr
        return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * (it - 100) / 750))
    assert all(yolox_lr(i, **KW) == pytest.approx(reference(i)) for i in range(0, 1000, 7))


def test_ema_decay_and_update():
    assert ema_decay(0) == 0.0
    assert ema_decay(2000) == pytest.approx(0.9998 * (1 - math.exp(-1)))
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    ema = ModelEMA(model)
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[1].running_mean.fill_(2.0)
    before = ema.ema[0].weight.clone()
    ema.update(model)
    d = ema_decay(1)
    assert torch.allclose(ema.ema[0].weight, d * before + (1 - d) * 1.0)
    assert torch.allclose(ema.ema[1].running_mean, torch.full((2,), (1 - d) * 2.0)), "BN buffers follow too"
    assert ema.ema[1].num_batches_tracked == 0, "integer buffers are not averaged"
    assert not any(p.requires_grad for p in ema.ema.parameters())


def test_weight_decay_only_on_conv_weights():
    model = build_model("yolox-nano")
    groups = param_groups(model, 5e-4)
    bn, weights, biases = (set(map(id, g["params"])) for g in groups)
    assert [g["weight_decay"] for g in groups] == [0.0, 5e-4, 0.0]
    all_params = {id(p) for p in model.parameters()}
    assert bn | weights | biases == all_params and not (bn & weights) and not (weights & biases)
    assert id(model.head.cls_preds[0].bias) in biases and id(model.head.cls_preds[0].weight) in weights
    assert id(model.head.stems[0].bn.weight) in bn
    opt = build_optimizer(model, 0.01)
    assert opt.defaults["nesterov"] and opt.defaults["momentum"] == 0.9


def test_presets_and_overrides():
    s = experiment_preset("yolox-s")
    assert (s.train.max_epoch, s.train.no_aug_epochs, s.train.warmup_epochs, s.aug.mixup_prob) == (300, 15, 5, 1.0)
    assert s.train.basic_lr_per_img * 64 == pytest.approx(0.01)
    nano = experiment_preset("yolox-nano")
    assert (nano.aug.mosaic_prob, nano.aug.mixup_prob, nano.aug.mosaic_scale, nano.aug.random_size) == (
        0.5, 0.0, (0.5, 1.5), (10, 20))
    tiny = experiment_preset("yolox-tiny")
    assert tiny.aug.mosaic_prob == 1.0 and tiny.aug.mixup_prob == 0.0
    exp = experiment_preset("demo", parse_overrides(["max_epoch=3", "data.batch_size=4", "aug.mosaic_scale=(0.4, 1.2)",
                                                     "data.dir=/tmp/x y"]))
    assert (exp.train.max_epoch, exp.data.batch_size, exp.aug.mosaic_scale, exp.data.dir) == (3, 4, (0.4, 1.2),
                                                                                              "/tmp/x y")
    with pytest.raises(KeyError, match="max_epochs"):
        experiment_preset("demo", {"max_epochs": 3})
    with pytest.raises(ValueError, match="unknown preset"):
        experiment_preset("yolox-q")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_overrides(["max_epoch"])


def test_config_round_trip_through_dict():
    import dataclasses

    exp = experiment_preset("yolox-tiny", {"max_epoch": 7})
    again = config_from_dict(dataclasses.asdict(exp))
    assert again == exp


def test_warns_when_loader_workers_and_threads_exceed_the_cores():
    import os
    import warnings

    from yolox_edu.train.loop import warn_if_oversubscribed

    cpu = torch.device("cpu")
    many = (os.cpu_count() or 1) + 1
    with pytest.warns(RuntimeWarning, match="data.num_workers=0"):
        assert warn_if_oversubscribed(many, cpu)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not warn_if_oversubscribed(0, cpu)
        assert not warn_if_oversubscribed(many, torch.device("cuda"))


def test_ambiguous_short_key_is_an_error_naming_both_dotted_keys():
    from yolox_edu.errors import UsageError

    with pytest.raises(UsageError, match=r"--set batch_size is ambiguous.*data\.batch_size or eval\.batch_size"):
        experiment_preset("demo", {"batch_size": 64})
    exp = experiment_preset("demo", {"data.batch_size": 64, "max_epoch": 5})  # dotted and unambiguous keys work
    assert (exp.data.batch_size, exp.eval.batch_size, exp.train.max_epoch) == (64, 16, 5)


def test_override_values_are_checked_against_the_field_type():
    from yolox_edu.errors import UsageError

    with pytest.raises(UsageError, match=r"--set: config key 'train.max_epoch' expects int, got 'abc'"):
        experiment_preset("demo", parse_overrides(["max_epoch=abc"]))
    with pytest.raises(UsageError, match="expects bool"):
        experiment_preset("demo", {"train.ema": "no"})
    with pytest.raises(UsageError, match=r"aug.mosaic_scale"):
        experiment_preset("demo", {"aug.mosaic_scale": (0.5, 1.0, 2.0)})  # two numbers, not three
    exp = experiment_preset("demo", parse_overrides(["train.warmup_lr=1", "aug.random_size=[8, 12]",
                                                     "data.train_split=2017", "data.cache_dir=None"]))
    assert exp.train.warmup_lr == 1.0 and isinstance(exp.train.warmup_lr, float)
    assert exp.aug.random_size == (8, 12) and exp.data.train_split == "2017" and exp.data.cache_dir is None


def test_unknown_key_error_mentions_set():
    with pytest.raises(KeyError, match=r"--set.*train\.max_epochs"):
        experiment_preset("demo", {"train.max_epochs": 3})
    with pytest.raises(KeyError, match=r"--set max_epochs: unknown config key"):
        experiment_preset("demo", {"max_epochs": 3})
