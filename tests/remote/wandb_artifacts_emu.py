"""The logged-artifact part of the W&B emulator (wandb 0.31.0): RunOutputArtifacts lists
a run's artifacts, FetchArtifactManifest hands out the manifest's URL and
GetArtifactMembershipFileUrls the files' direct URLs; `wandb_emulator` serves those URLs
under /artifacts/<id>/ (the SDK fetches them with `requests`, not through wandb-core)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wandb_emulator import FakeRun, WandbEmulator


@dataclass
class FakeArtifact:
    """A logged artifact: `files` are its contents; names in `gone` are listed in its
    manifest but their download URL answers 404 (an object deleted from storage);
    `deleted` makes the whole artifact vanish after the run listed it."""

    name: str
    type: str = "metrics"
    files: dict[str, bytes] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    deleted: bool = False  # listed by the run, but its manifest is gone
    id: str = ""


def _page_info() -> dict[str, Any]:
    return {"__typename": "PageInfo", "endCursor": None, "hasNextPage": False}


def _artifact_node(art: FakeArtifact, entity: str, project: str) -> dict[str, Any]:
    """The ArtifactFragment fields `Artifact._from_attrs` validates (wandb 0.31.0)."""
    proj = {"id": "UHJvamVjdDox", "internalId": "1", "name": project, "entity": {"name": entity}}
    return {
        "__typename": "Artifact",
        "id": art.id,
        "artifactSequence": {"__typename": "ArtifactSequence", "name": art.name, "project": proj},
        "versionIndex": 0,
        "artifactType": {"name": art.type},
        "description": None,
        "metadata": "{}",
        "ttlDurationSeconds": -1,
        "ttlIsInherited": True,
        "tags": [],
        "historyStep": None,
        "state": "COMMITTED",
        "size": sum(len(b) for b in art.files.values()),
        "digest": hashlib.md5(art.id.encode()).hexdigest(),
        "commitHash": None,
        "fileCount": len(art.files),
        "createdAt": "2024-05-01T11:00:00",
        "updatedAt": None,
        "aliases": [],
    }


def _run_output_artifacts(
    emu: WandbEmulator, run: FakeRun | None, entity: str, project: str, _v: dict[str, Any]
) -> dict[str, Any]:
    if run is None:
        return {"project": {"run": None}}
    for index, art in enumerate(run.artifacts):
        art.id = art.id or base64.b64encode(f"Artifact:{run.id}-{index}".encode()).decode()
        emu.artifacts[art.id] = (entity, project, art)
    edges = [{"node": _artifact_node(a, entity, project)} for a in run.artifacts]
    arts = {"totalCount": len(edges), "pageInfo": _page_info(), "edges": edges}
    return {"project": {"run": {"artifacts": arts}}}


def _fetch_artifact_manifest(
    emu: WandbEmulator, _r: FakeRun | None, _e: str, _p: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """The manifest is a file behind a URL (like W&B's presigned object-store URLs)."""
    found = emu.artifacts.get(str(variables.get("id")))
    if found is None or found[2].deleted:
        return {"artifact": None}
    url = f"{emu.url}/artifacts/{found[2].id}/manifest.json"
    return {"artifact": {"currentManifest": {"file": {"directUrl": url}}}}


def _membership_file_urls(
    emu: WandbEmulator, _r: FakeRun | None, entity: str, project: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """Direct URLs of every file of `collection:alias` (one page; ftlint's artifacts are
    small)."""
    name = variables.get("collection")
    art = next(
        (a for e, p, a in emu.artifacts.values() if (e, p, a.name) == (entity, project, name)),
        None,
    )
    if art is None:
        return {"project": {"artifactCollection": None}}
    edges = [
        {"node": {"__typename": "File", "name": n, "directUrl": emu.artifact_file_url(art, n)}}
        for n in sorted(art.files)
    ]
    files = {"pageInfo": _page_info(), "edges": edges}
    collection = {"__typename": "ArtifactSequence", "artifactMembership": {"files": files}}
    return {"project": {"artifactCollection": collection}}


_ARTIFACT_OPS = {
    "RunOutputArtifacts": _run_output_artifacts,
    "FetchArtifactManifest": _fetch_artifact_manifest,
    "GetArtifactMembershipFileUrls": _membership_file_urls,
}


def artifact_manifest(art: FakeArtifact) -> bytes:
    """wandb-storage-policy-v1 manifest: path -> base64 md5 digest and size."""
    contents = {
        name: {"digest": base64.b64encode(hashlib.md5(data).digest()).decode(), "size": len(data)}
        for name, data in sorted(art.files.items())
    }
    return json.dumps(
        {
            "version": 1,
            "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"},
            "contents": contents,
        }
    ).encode()
