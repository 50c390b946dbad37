"""retained_memory: Arrow allocates from the retaining pool inside the block only, and what was made there
stays valid after it."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from muster.derive import _retaining_pool, retained_memory


def test_the_pool_is_switched_inside_the_block_and_restored_after_it():
    pool = _retaining_pool()
    if pool is None:
        pytest.fail("this pyarrow has no jemalloc pool: retained_memory would change nothing here")
    before = pa.default_memory_pool().backend_name
    with retained_memory():
        assert pa.default_memory_pool().backend_name == pool.backend_name
        with retained_memory():  # nested: no change, and leaving it does not restore too early
            assert pa.default_memory_pool().backend_name == pool.backend_name
        assert pa.default_memory_pool().backend_name == pool.backend_name
        made = pc.binary_join_element_wise(pa.array(["a", "b"] * 1000), "-x", "")
    assert pa.default_memory_pool().backend_name == before
    assert made.to_pylist()[:2] == ["a-x", "b-x"]
    del made  # freed by the pool it came from, after the block


def test_the_previous_pool_comes_back_when_the_block_raises():
    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), retained_memory():
        raise RuntimeError("boom")
    assert pa.default_memory_pool().backend_name == before
