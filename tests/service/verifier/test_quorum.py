"""``QuorumChainView`` over real nodes: the shared ganache (reached by two URLs), a second
ganache with the same chain id but another chain, and a port nobody listens on."""

from __future__ import annotations

import pytest

from anchor_service.dev import DevChain, free_port
from anchor_service.verifier import ChainReadError, QuorumChainView
from anchor_service.verifier.onchain import Web3ChainView

from .anchored import AnchoredLog


def view(url: str) -> tuple[str, Web3ChainView]:
    node = Web3ChainView.connect(url, timeout=5)
    return node.node, node


def test_the_quorum_must_fit_the_nodes() -> None:
    with pytest.raises(ValueError, match="at least one node"):
        QuorumChainView([])
    nodes = [view("http://127.0.0.1:1"), view("http://127.0.0.1:2")]
    for quorum in (0, 3):
        with pytest.raises(ValueError, match="the quorum must be from 1 to 2"):
            QuorumChainView(nodes, quorum)
    assert QuorumChainView(nodes).quorum == 2  # default: all of them


def test_nodes_of_one_chain_agree_and_nobody_is_outvoted(
    devchain: DevChain, anchored_log: AnchoredLog
) -> None:
    same = devchain.rpc_url.replace("127.0.0.1", "localhost")
    quorum = QuorumChainView([view(devchain.rpc_url), view(same)])
    assert quorum.chain_id() == 1337
    head = anchored_log.anchors[1]
    assert quorum.root_at(anchored_log.registry, head.tree_size) == head.root
    assert quorum.receipt(head.tx_hash, anchored_log.registry) is not None
    assert quorum.dissent == []


def test_a_node_that_is_down_is_outvoted_by_a_quorum_and_named(devchain: DevChain) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    quorum = QuorumChainView([view(devchain.rpc_url), view(down)], quorum=1)
    assert quorum.chain_id() == 1337
    assert len(quorum.dissent) == 1
    assert quorum.dissent[0].startswith(f"the chain id: {down}: ")


def test_no_answer_at_all_is_unreachable() -> None:
    nodes = [view(f"http://127.0.0.1:{free_port()}") for _ in range(2)]
    with pytest.raises(ChainReadError) as info:
        QuorumChainView(nodes, quorum=1).chain_id()
    assert info.value.unreachable
    assert info.value.reason.startswith("fewer than 1 of 2 nodes answered the chain id: ")


def test_two_chains_with_one_chain_id_disagree_on_the_registry(
    devchain: DevChain, other_ganache: DevChain, anchored_log: AnchoredLog
) -> None:
    quorum = QuorumChainView([view(devchain.rpc_url), view(other_ganache.rpc_url)], quorum=1)
    assert quorum.chain_id() == 1337  # both say 1337: the id alone cannot tell them apart
    with pytest.raises(ChainReadError) as info:
        quorum.is_contract(anchored_log.registry)
    assert not info.value.unreachable
    assert info.value.reason == (
        f"nodes disagree on contract code at {anchored_log.registry}: "
        f"{devchain.rpc_url}: a contract; {other_ganache.rpc_url}: no contract"
    )


def test_the_head_is_the_highest_block_a_quorum_has_reached(
    devchain: DevChain, other_ganache: DevChain, anchored_log: AnchoredLog
) -> None:
    nodes = [view(devchain.rpc_url), view(other_ganache.rpc_url)]
    heights = sorted((node.head_block_number() for _, node in nodes), reverse=True)
    assert heights[0] > heights[1]  # the shared chain has anchors; the other one nothing
    assert QuorumChainView(nodes, quorum=1).head_block_number() == heights[0]
    assert QuorumChainView(nodes, quorum=2).head_block_number() == heights[1]
