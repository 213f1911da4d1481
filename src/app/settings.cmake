# Configuration (env + .env) and the spdlog EventLog. Included from src/app/CMakeLists.txt.
add_library(vpnhub_settings STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_checks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_vars.cpp
  ${CMAKE_CURRENT_LIST_DIR}/env_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/logging.cpp
)
target_include_directories(vpnhub_settings PUBLIC ${VPNHUB_SRC})
target_link_libraries(vpnhub_settings PUBLIC
  vpnhub_core vpnhub_util spdlog::spdlog fmt::fmt nlohmann_json::nlohmann_json
  vpnhub_payments)  # each payment provider declares its own variables (ProviderSpec)
