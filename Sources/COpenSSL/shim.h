// OpenSSL's libcrypto (Debian's libssl-dev) for the OAuth 1.0a signer's HMAC-SHA1 and the
// `sign` benchmark's comparison of it with swift-crypto's. Only libcrypto is linked.
#ifndef KEYFLOW_COPENSSL_SHIM_H
#define KEYFLOW_COPENSSL_SHIM_H

// SHA1_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, whose contexts are heap
// objects duplicated with a malloc per copy; the plain SHA_CTX is a 96-byte struct that copies
// with a memcpy, which is what a keyed HMAC state per request needs. Same code, same SHA-NI.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

/// HMAC-SHA1 (RFC 2104) keyed once: the hash states after absorbing the key's inner and outer
/// pads. Copying it is copying two structs; it holds no heap memory and needs no freeing.
typedef struct {
    SHA_CTX inner;
    SHA_CTX outer;
} keyflow_hmac_sha1_key;

/// Derives the pads of `key` into `state`.
static inline void keyflow_hmac_sha1_init(keyflow_hmac_sha1_key *state, const unsigned char *key, size_t key_len) {
    unsigned char block[SHA_CBLOCK];
    unsigned char pad[SHA_CBLOCK];
    memset(block, 0, sizeof block);
    if (key_len > SHA_CBLOCK) {
        SHA_CTX hash;
        SHA1_Init(&hash);
        SHA1_Update(&hash, key, key_len);
        SHA1_Final(block, &hash);
        OPENSSL_cleanse(&hash, sizeof hash);
    } else if (key_len > 0) {
        memcpy(block, key, key_len);
    }
    for (size_t i = 0; i < SHA_CBLOCK; i++) pad[i] = block[i] ^ 0x36;
    SHA1_Init(&state->inner);
    SHA1_Update(&state->inner, pad, SHA_CBLOCK);
    for (size_t i = 0; i < SHA_CBLOCK; i++) pad[i] = block[i] ^ 0x5c;
    SHA1_Init(&state->outer);
    SHA1_Update(&state->outer, pad, SHA_CBLOCK);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
}

/// HMAC-SHA1 of `data` with the keyed `state` (left as it was) into `mac` (20 bytes).
static inline void keyflow_hmac_sha1(const keyflow_hmac_sha1_key *state, const void *data, size_t len,
                                     unsigned char *mac) {
    SHA_CTX hash = state->inner;
    SHA1_Update(&hash, data, len);
    SHA1_Final(mac, &hash);
    hash = state->outer;
    SHA1_Update(&hash, mac, SHA_DIGEST_LENGTH);
    SHA1_Final(mac, &hash);
}

/// SHA-1 of `data` into `digest` (20 bytes).
static inline void keyflow_sha1(const void *data, size_t len, unsigned char *digest) {
    SHA1((const unsigned char *)data, len, digest);
}

/// HMAC-SHA1 through OpenSSL's HMAC API from a keyed context: `keyed` is copied into `work`
/// (both made by the caller with HMAC_CTX_new), for the benchmark's comparison.
static inline int keyflow_hmac_ctx_sha1(HMAC_CTX *work, const HMAC_CTX *keyed, const void *data, size_t len,
                                        unsigned char *mac) {
    unsigned int mac_len = 0;
    if (!HMAC_CTX_copy(work, (HMAC_CTX *)keyed)) return 0;
    if (!HMAC_Update(work, (const unsigned char *)data, len)) return 0;
    return HMAC_Final(work, mac, &mac_len);
}

/// A keyed HMAC_CTX for HMAC-SHA1, or NULL; free it with HMAC_CTX_free.
static inline HMAC_CTX *keyflow_hmac_ctx_sha1_new(const void *key, int key_len) {
    HMAC_CTX *ctx = HMAC_CTX_new();
    if (ctx == NULL) return NULL;
    if (!HMAC_Init_ex(ctx, key, key_len, EVP_sha1(), NULL)) {
        HMAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/// A keyed EVP_MAC_CTX for HMAC-SHA1 (OpenSSL 3's MAC API), or NULL; free it with EVP_MAC_CTX_free.
static inline EVP_MAC_CTX *keyflow_evp_mac_sha1_new(const void *key, size_t key_len) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0),
        OSSL_PARAM_construct_end(),
    };
    if (!EVP_MAC_init(ctx, (const unsigned char *)key, key_len, params)) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/// HMAC-SHA1 from a keyed EVP_MAC_CTX duplicated for this call (a malloc and a free).
static inline int keyflow_evp_mac_sha1(const EVP_MAC_CTX *keyed, const void *data, size_t len, unsigned char *mac) {
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(keyed);
    if (ctx == NULL) return 0;
    size_t mac_len = 0;
    int ok = EVP_MAC_update(ctx, (const unsigned char *)data, len) && EVP_MAC_final(ctx, mac, &mac_len, 20);
    EVP_MAC_CTX_free(ctx);
    return ok;
}

#endif
