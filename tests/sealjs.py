"""Runs theme/static/app/seal.js, the very file the app loads, in node (WebCrypto of node 20): seal a
text with a published public key, or open a sealed document with a PKCS#8 private key."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEAL_JS = ROOT / "theme" / "static" / "app" / "seal.js"
NODE = shutil.which("node") or "/usr/bin/node"

RUN = """
const vm = require('vm'); const fs = require('fs');
const sandbox = {self: {crypto: require('crypto').webcrypto, btoa: btoa, atob: atob},
                 TextEncoder: TextEncoder, TextDecoder: TextDecoder};
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.argv[1], 'utf8'), sandbox);
const S = sandbox.self.Sansong.seal;
const job = JSON.parse(fs.readFileSync(0, 'utf8'));
const work = job.action === 'seal'
  ? S.importPublicKey(job.public_key).then((key) => S.seal(job.text, key)).then((doc) => JSON.stringify(doc))
  : S.importPrivateKey(job.pkcs8).then((key) => S.open(job.document, key));
work.then((out) => process.stdout.write(out), (error) => { process.stdout.write('ERROR ' + (error && error.name)); });
"""


def run(job: dict) -> str:
    result = subprocess.run([NODE, "-e", RUN, str(SEAL_JS)], input=json.dumps(job), capture_output=True, text=True,
                            check=True, timeout=60)
    return result.stdout


def seal(text: str, public_key: dict) -> dict:
    """The sealed document seal.js makes of text with the published key ({alg, kid, spki})."""
    return json.loads(run({"action": "seal", "text": text, "public_key": public_key}))


def open_(document: dict, pkcs8_base64: str) -> str:
    """The text seal.js opens from document; 'ERROR <name>' when it refuses."""
    return run({"action": "open", "document": document, "pkcs8": pkcs8_base64})
