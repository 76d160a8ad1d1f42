"""The pure half of ``pyslsa audit``: the policy, the pinned publisher identities and the verdict on each file.

Bytes in (a policy file, a lockfile's text, the verified identities of the evidence), frozen values or typed
errors out; no network, no files, no clock (``today`` is a parameter). The I/O edges (finding the policy file,
writing pins) live in :mod:`pyslsa.sources`.
"""
