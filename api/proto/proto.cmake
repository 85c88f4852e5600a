# The protobuf messages (issue 6), included from the top CMakeLists.txt before
# api/grpc/grpc.cmake. At build time protoc-c generates C for Probity's protos
# (api/proto/probity/v1/*.proto), the minimal google.rpc ones (api/proto/google/rpc),
# the well-known types from /usr/include and the official gRPC health and reflection
# protos from /usr/share/grpc-proto, into ${PROBITY_PROTO_GEN} (so that
# #include "probity/v1/organizations.pb-c.h" and "google/protobuf/timestamp.pb-c.h"
# work); protoc writes one FileDescriptorSet of them all, embedded for reflection
# (api/proto/descriptor_set.h). The target is probity_proto.
find_program(PROTOC_C NAMES protoc-c protoc-gen-c REQUIRED)
find_program(PROTOC NAMES protoc REQUIRED)
if(NOT TARGET PkgConfig::PROTOBUFC)
  pkg_check_modules(PROTOBUFC REQUIRED IMPORTED_TARGET libprotobuf-c)
endif()

set(PROBITY_PROTO_SRC ${PROJECT_SOURCE_DIR}/api/proto)
set(PROBITY_PROTO_GEN ${CMAKE_BINARY_DIR}/proto)
set(PROBITY_WKT_DIR /usr/include)
set(PROBITY_GRPC_PROTO_DIR /usr/share/grpc-proto)

# Each entry: <import root>|<path under it>.
file(GLOB _probity_own CONFIGURE_DEPENDS RELATIVE ${PROBITY_PROTO_SRC}
     ${PROBITY_PROTO_SRC}/probity/v1/*.proto ${PROBITY_PROTO_SRC}/google/rpc/*.proto)
list(SORT _probity_own)
set(_probity_protos "")
foreach(p IN LISTS _probity_own)
  list(APPEND _probity_protos "${PROBITY_PROTO_SRC}|${p}")
endforeach()
foreach(p timestamp empty field_mask struct any duration wrappers)
  list(APPEND _probity_protos "${PROBITY_WKT_DIR}|google/protobuf/${p}.proto")
endforeach()
foreach(p grpc/health/v1/health.proto grpc/reflection/v1/reflection.proto
          grpc/reflection/v1alpha/reflection.proto)
  list(APPEND _probity_protos "${PROBITY_GRPC_PROTO_DIR}|${p}")
endforeach()

set(_probity_proto_includes -I${PROBITY_PROTO_SRC} -I${PROBITY_WKT_DIR} -I${PROBITY_GRPC_PROTO_DIR})
set(_probity_proto_files "")
set(_probity_proto_rel "")
set(PROBITY_PROTO_SOURCES "")
foreach(entry IN LISTS _probity_protos)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 root)
  list(GET parts 1 rel)
  string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
  set(c ${PROBITY_PROTO_GEN}/${stem}.pb-c.c)
  set(h ${PROBITY_PROTO_GEN}/${stem}.pb-c.h)
  # A proto's generated C depends on the protos it imports only through their headers, which
  # have their own commands; its own text is all it is made from.
  add_custom_command(
    OUTPUT ${c} ${h}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROBITY_PROTO_GEN}
    COMMAND ${PROTOC_C} ${_probity_proto_includes} --c_out=${PROBITY_PROTO_GEN} ${root}/${rel}
    DEPENDS ${root}/${rel}
    COMMENT "protoc-c ${rel}"
    VERBATIM)
  list(APPEND PROBITY_PROTO_SOURCES ${c} ${h})
  list(APPEND _probity_proto_files ${root}/${rel})
  list(APPEND _probity_proto_rel ${rel})
  # protobuf-c 1.4's output builds clean with the project's warnings (checked at -O0 and -O2);
  # were that to change, silence them here, per generated source:
  # set_source_files_properties(${c} PROPERTIES COMPILE_OPTIONS "-Wno-...").
endforeach()

# One FileDescriptorSet of every file (and what they import), embedded for reflection.
set(_probity_desc ${PROBITY_PROTO_GEN}/probity.desc)
add_custom_command(
  OUTPUT ${_probity_desc}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROBITY_PROTO_GEN}
  COMMAND ${PROTOC} ${_probity_proto_includes} --include_imports
          --descriptor_set_out=${_probity_desc} ${_probity_proto_rel}
  DEPENDS ${_probity_proto_files}
  COMMENT "protoc --descriptor_set_out probity.desc"
  VERBATIM)
set(_probity_desc_c ${PROBITY_PROTO_GEN}/descriptor_set.c)
add_custom_command(
  OUTPUT ${_probity_desc_c}
  COMMAND ${CMAKE_COMMAND} -DIN=${_probity_desc} -DOUT=${_probity_desc_c}
          -P ${PROBITY_PROTO_SRC}/embed_bytes.cmake
  DEPENDS ${_probity_desc} ${PROBITY_PROTO_SRC}/embed_bytes.cmake
  COMMENT "Embedding PROBITY_DESCRIPTOR_SET"
  VERBATIM)

add_library(probity_proto STATIC ${PROBITY_PROTO_SOURCES} ${_probity_desc_c}
            ${PROBITY_PROTO_SRC}/entity_services.c)
target_include_directories(probity_proto PUBLIC ${PROBITY_PROTO_GEN} ${PROBITY_PROTO_SRC})
target_link_libraries(probity_proto PUBLIC PkgConfig::PROTOBUFC)
