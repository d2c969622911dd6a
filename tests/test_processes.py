"""How the batch commands ask for memory (measuresearch.processes): numpy's arrays in small pages."""

import pathlib

import numpy as np
import pytest

from measuresearch import processes


def _huge_page_kib(array):
    """Return the AnonHugePages (KiB) of the memory mapping that holds the middle of array's data (/proc/self/smaps).

    (numpy's madvise cuts the block's mapping in three: its unaligned ends are mappings of their own.)
    """
    address, inside = array.ctypes.data + array.nbytes // 2, False
    with open("/proc/self/smaps", encoding="ascii") as smaps:
        for line in smaps:
            head = line.split()
            if "-" in head[0] and ":" not in head[0]:
                start, end = (int(bound, 16) for bound in head[0].split("-"))
                inside = start <= address < end
            elif inside and head[0] == "AnonHugePages:":
                return int(head[1])
    raise AssertionError("no mapping holds the array")


def _thp_for_madvise():
    try:
        return "[never]" not in pathlib.Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False


def test_a_batch_commands_arrays_take_small_pages(monkeypatch):
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    with processes.numpy_small_pages():
        small = np.ones(64 << 17)  # 64 MiB
        assert _huge_page_kib(small) == 0
    if not _thp_for_madvise():
        pytest.skip("this machine's kernel gives no transparent huge pages: numpy's default has nothing to ask")
    large = np.ones(64 << 17)  # numpy's default again once the block ends
    assert _huge_page_kib(large) > 0


def test_numpys_own_setting_decides_when_the_operator_sets_it(monkeypatch):
    if not _thp_for_madvise():
        pytest.skip("this machine's kernel gives no transparent huge pages")
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    with processes.numpy_small_pages():
        assert _huge_page_kib(np.ones(64 << 17)) > 0
