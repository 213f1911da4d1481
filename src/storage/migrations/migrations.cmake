# Migration files come from their folders (src/storage/migrations/{sqlite,postgres}): adding a
# schema change is adding one NNNN_snake_case_name.sql file to each folder, no list to edit. The
# configure step checks the files and compiles them into the binary (embedded_migrations.cpp.in),
# which then needs no migration file at run time.

# Checks the migration files `files` of one dialect (`label`, for messages), sorted by name: each
# named NNNN_snake_case_name.sql, versions running 1, 2, 3, ... without a gap or a repeat. Sets
# `versions_var` to their versions (leading zeros dropped), in order. Fails the configure step,
# naming the file, otherwise.
function(vpnhub_check_migrations label files versions_var)
  if(files STREQUAL "")
    message(FATAL_ERROR "${label} migrations: no NNNN_name.sql file found")
  endif()
  set(versions "")
  set(expected 1)
  foreach(path IN LISTS files)
    get_filename_component(file_name ${path} NAME)
    if(NOT file_name MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
      message(FATAL_ERROR
        "${label} migration ${path}: expected a name like 0002_add_things.sql")
    endif()
    math(EXPR version "${CMAKE_MATCH_1}")  # drops the leading zeros (no octal literal)
    if(version LESS expected)
      message(FATAL_ERROR "${label} migration ${path}: version ${version} is used twice "
        "(each version is one file)")
    elseif(version GREATER expected)
      message(FATAL_ERROR "${label} migration ${path}: version ${expected} is missing before "
        "it (versions run 1, 2, 3, ... without a gap)")
    endif()
    list(APPEND versions ${version})
    math(EXPR expected "${expected} + 1")
  endforeach()
  set(${versions_var} ${versions} PARENT_SCOPE)
endfunction()

# Fails the configure step unless both dialects have the same versions: every schema change is
# written once per dialect. Both lists are contiguous from 1 (vpnhub_check_migrations), so the
# longer one's extra versions are what the other folder lacks.
function(vpnhub_check_same_migrations label_a versions_a label_b versions_b)
  list(LENGTH versions_a count_a)
  list(LENGTH versions_b count_b)
  if(count_a EQUAL count_b)
    return()
  endif()
  if(count_a GREATER count_b)
    set(longer ${label_a})
    set(shorter ${label_b})
    set(extra ${versions_a})
    list(SUBLIST extra ${count_b} -1 extra)
  else()
    set(longer ${label_b})
    set(shorter ${label_a})
    set(extra ${versions_b})
    list(SUBLIST extra ${count_a} -1 extra)
  endif()
  list(JOIN extra ", " extra)
  message(FATAL_ERROR "${longer} has migration version(s) ${extra} that ${shorter} lacks: every "
    "schema change needs a file with the same version in src/storage/migrations/sqlite and "
    "src/storage/migrations/postgres")
endfunction()

# Sorts the lists of migration files named by `sqlite_files_var` and `pg_files_var` (in place),
# checks each (vpnhub_check_migrations) and that both hold the same versions.
function(vpnhub_check_migration_folders sqlite_files_var pg_files_var)
  set(sqlite_files ${${sqlite_files_var}})
  set(pg_files ${${pg_files_var}})
  list(SORT sqlite_files)
  list(SORT pg_files)
  vpnhub_check_migrations(SQLite "${sqlite_files}" sqlite_versions)
  vpnhub_check_migrations(PostgreSQL "${pg_files}" pg_versions)
  vpnhub_check_same_migrations(SQLite "${sqlite_versions}" PostgreSQL "${pg_versions}")
  set(${sqlite_files_var} ${sqlite_files} PARENT_SCOPE)
  set(${pg_files_var} ${pg_files} PARENT_SCOPE)
endfunction()

# Sets `entries_var` to the C++ initialisers of `files` ({version, "name", R"(sql)"},), for
# embedded_migrations.cpp.in, and makes the configure step re-run when one of them changes.
function(vpnhub_embed_migrations label files entries_var)
  set(entries "")
  foreach(path IN LISTS files)
    get_filename_component(file_name ${path} NAME)
    string(REGEX MATCH "^([0-9]+)_([a-z0-9_]+)\\.sql$" unused ${file_name})
    math(EXPR version "${CMAKE_MATCH_1}")
    set(name ${CMAKE_MATCH_2})
    file(READ ${path} sql)
    string(FIND "${sql}" ")vpnhub_sql\"" delimiter_at)
    if(NOT delimiter_at EQUAL -1)
      message(FATAL_ERROR "${label} migration ${path} contains the raw-string delimiter")
    endif()
    string(APPEND entries
      "      {${version}, \"${name}\", R\"vpnhub_sql(${sql})vpnhub_sql\"},\n")
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${files})
  set(${entries_var} "${entries}" PARENT_SCOPE)
endfunction()
