/* 三送三促 offline app: sealed exports (format 2, docs/export-format.md). The twin of
   site_builder/ledger/seal.py, with the browser's own WebCrypto (no library, nothing from another host).

   seal(text, publicKey) encrypts the UTF-8 bytes of a format-1 document with a fresh AES-256-GCM key and
   wraps that key with the organisation's RSA public key (RSA-OAEP, SHA-256); the visible header
   (format, version, alg, kid) is the AES-GCM additional data, so any change to the file is found when it
   is opened. open(document, privateKey) is the reverse (used by the cross-language tests; the phone
   never holds a private key). settings(url) reads app/sync.json: {endpoint, public_key}. Works in pages
   and in the service worker. */
(function (root) {
  'use strict';

  const FORMAT = 'sansong-records';
  const VERSION = 2;
  const ALG = 'RSA-OAEP-256+A256GCM';
  const RSA = {name: 'RSA-OAEP', hash: 'SHA-256'};
  let loaded = null;

  function subtle() {
    const c = root.crypto;
    if (!c || !c.subtle) throw new Error('本浏览器不支持加密（需要 https 网址或较新的浏览器）');
    return c.subtle;
  }

  function toBase64(bytes) {
    const view = new Uint8Array(bytes);
    let binary = '';
    for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode.apply(null, view.subarray(i, i + 0x8000));
    return root.btoa(binary);
  }

  function fromBase64(text) {
    const binary = root.atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function header(kid) { return new TextEncoder().encode(FORMAT + '|' + VERSION + '|' + ALG + '|' + kid); }

  // {alg, kid, spki} as app/sync.json publishes it -> {kid, key: CryptoKey}
  function importPublicKey(published) {
    if (!published || published.alg !== ALG) return Promise.reject(new Error('公钥的加密方式不对'));
    return Promise.resolve().then(function () {
      return subtle().importKey('spki', fromBase64(published.spki), RSA, false, ['encrypt']);
    }).then(function (key) { return {kid: published.kid, key: key}; });
  }

  function importPrivateKey(pkcs8Base64) {
    return subtle().importKey('pkcs8', fromBase64(pkcs8Base64), RSA, false, ['decrypt']);
  }

  // text: the format-1 document as JSON text; publicKey: from importPublicKey. -> the sealed document.
  function seal(text, publicKey) {
    const s = subtle();
    const iv = root.crypto.getRandomValues(new Uint8Array(12));
    return s.generateKey({name: 'AES-GCM', length: 256}, true, ['encrypt']).then(function (aesKey) {
      return Promise.all([
        s.exportKey('raw', aesKey).then(function (raw) { return s.encrypt(RSA, publicKey.key, raw); }),
        s.encrypt({name: 'AES-GCM', iv: iv, additionalData: header(publicKey.kid)}, aesKey, new TextEncoder().encode(text)),
      ]);
    }).then(function (parts) {
      return {format: FORMAT, version: VERSION, alg: ALG, kid: publicKey.kid,
              key: toBase64(parts[0]), iv: toBase64(iv), ciphertext: toBase64(parts[1])};
    });
  }

  // The reverse of seal(): the format-1 document's text. Rejects when anything was changed.
  function open(document, privateKey) {
    const s = subtle();
    if (document.format !== FORMAT || document.version !== VERSION || document.alg !== ALG) {
      return Promise.reject(new Error('not a sealed export'));
    }
    return s.decrypt(RSA, privateKey, fromBase64(document.key)).then(function (raw) {
      return s.importKey('raw', raw, {name: 'AES-GCM'}, false, ['decrypt']);
    }).then(function (aesKey) {
      return s.decrypt({name: 'AES-GCM', iv: fromBase64(document.iv), additionalData: header(document.kid)}, aesKey,
        fromBase64(document.ciphertext));
    }).then(function (plain) { return new TextDecoder().decode(plain); });
  }

  // app/sync.json (precached): {endpoint, public_key}; with the public key imported ({kid, key} or null).
  function settings(url) {
    if (!loaded) {
      loaded = fetch(url, {credentials: 'same-origin'}).then(function (response) {
        if (!response.ok) throw new Error('sync.json HTTP ' + response.status);
        return response.json();
      }).then(function (published) {
        const key = published.public_key ? importPublicKey(published.public_key) : Promise.resolve(null);
        return key.then(function (imported) { return {endpoint: published.endpoint || null, key: imported}; });
      });
      loaded.catch(function () { loaded = null; });  // tried again next time
    }
    return loaded;
  }

  root.Sansong = root.Sansong || {};
  root.Sansong.seal = {FORMAT: FORMAT, VERSION: VERSION, ALG: ALG, seal: seal, open: open, settings: settings,
    importPublicKey: importPublicKey, importPrivateKey: importPrivateKey, toBase64: toBase64, fromBase64: fromBase64};
})(self);
