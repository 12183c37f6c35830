// The system's OpenSSL 3 libcrypto, for the algorithms swift-crypto lacks or does not expose
// (secp256k1, HMAC-SHA-224, signing a caller-supplied digest). Install libssl-dev.
#ifndef COFFER_COPENSSL_SHIM_H
#define COFFER_COPENSSL_SHIM_H
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#endif
