# The gRPC transport and bridge (api/grpc/README.md), included from the top CMakeLists.txt after
# api/proto/proto.cmake, which defines probity_proto (the generated messages and the embedded
# descriptor set).
pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2)
pkg_check_modules(PROTOBUFC REQUIRED IMPORTED_TARGET libprotobuf-c)
# TLS with ALPN h2 (server.c): OpenSSL's libssl and libevent's bufferevent_openssl.
pkg_check_modules(GRPC_TLS REQUIRED IMPORTED_TARGET libssl libevent_openssl)
set(PROBITY_GRPC_SOURCES
  api/grpc/bridge.c api/grpc/bridge_answer.c api/grpc/call.c api/grpc/call_api.c api/grpc/deframe.c
  api/grpc/h2mem.c api/grpc/health.c api/grpc/pbjson.c api/grpc/pbjson_decode.c api/grpc/pbwire.c
  api/grpc/pbwire_json.c api/grpc/reflection.c api/grpc/server.c)
add_library(probity_grpc STATIC ${PROBITY_GRPC_SOURCES})
target_link_libraries(probity_grpc PUBLIC probity_http probity_proto PkgConfig::NGHTTP2
                      PkgConfig::PROTOBUFC PkgConfig::GRPC_TLS)
