"""Under torchrun the process group is made for any world size, one process included."""

import socket

import torch.distributed as dist

from yolox_edu.train import distributed as D


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_process_under_torchrun_joins_a_group(monkeypatch):
    env = {"LOCAL_RANK": "0", "RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1",
           "MASTER_PORT": str(_free_port())}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    try:
        device = D.init_distributed("cpu")
        assert device.type == "cpu" and D.is_distributed() and dist.get_backend() == "gloo"
        assert D.world_size() == 1 and D.is_main() and D.all_true(True, device)
    finally:
        D.cleanup()
    assert not D.is_distributed()


def test_plain_process_makes_no_group(monkeypatch):
    for k in ("LOCAL_RANK", "RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert D.init_distributed("cpu").type == "cpu" and not D.is_distributed()
