"""The audit stream as evidence: a hash chain per partition, and its verification."""

from lovhub.audit.chain import GENESIS, ChainBreak, ChainHead, link, verify_chain

__all__ = ["GENESIS", "ChainBreak", "ChainHead", "link", "verify_chain"]
