# The configure-time check of the migration folders (src/storage/migrations/migrations.cmake):
# each case lays out two folders, runs the check in a child `cmake -P`, and expects it to pass or
# to fail with a message naming the problem.
#   cmake -DMODULE=<migrations.cmake> -DWORK=<scratch dir> -P migration_folders_test.cmake

if(NOT MODULE OR NOT WORK)
  message(FATAL_ERROR "usage: cmake -DMODULE=... -DWORK=... -P migration_folders_test.cmake")
endif()

# run_case(<name> SQLITE <files...> PG <files...> EXPECT ok|<substring of the error>)
function(run_case name)
  cmake_parse_arguments(C "" "EXPECT" "SQLITE;PG" ${ARGN})
  set(dir ${WORK}/${name})
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir}/sqlite ${dir}/postgres)
  foreach(f IN LISTS C_SQLITE)
    file(WRITE ${dir}/sqlite/${f} "SELECT 1;\n")
  endforeach()
  foreach(f IN LISTS C_PG)
    file(WRITE ${dir}/postgres/${f} "SELECT 1;\n")
  endforeach()
  file(WRITE ${dir}/notes.txt "not a migration\n")
  file(WRITE ${dir}/sqlite/README "not a migration either\n")
  file(WRITE ${dir}/check.cmake "
include(${MODULE})
file(GLOB sqlite_files ${dir}/sqlite/*.sql)
file(GLOB pg_files ${dir}/postgres/*.sql)
vpnhub_check_migration_folders(sqlite_files pg_files)
message(STATUS \"order: \${sqlite_files}\")
")
  execute_process(COMMAND ${CMAKE_COMMAND} -P ${dir}/check.cmake
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  string(REGEX REPLACE "[ \n]+" " " flat "${all}")
  if(C_EXPECT STREQUAL "ok")
    if(NOT rc EQUAL 0)
      message(SEND_ERROR "${name}: expected the check to pass, got:\n${all}")
    endif()
  elseif(rc EQUAL 0)
    message(SEND_ERROR "${name}: expected the check to fail with '${C_EXPECT}', it passed")
  else()
    string(FIND "${flat}" "${C_EXPECT}" at)
    if(at EQUAL -1)
      message(SEND_ERROR "${name}: expected '${C_EXPECT}' in:\n${all}")
    endif()
  endif()
  set(last_output "${flat}" PARENT_SCOPE)
endfunction()

run_case(same_versions EXPECT ok
  SQLITE 0001_init.sql 0002_bot.sql 0010_ten.sql 0003_c.sql 0004_d.sql 0005_e.sql 0006_f.sql
         0007_g.sql 0008_h.sql 0009_i.sql
  PG     0001_init.sql 0002_bot.sql 0003_c.sql 0004_d.sql 0005_e.sql 0006_f.sql 0007_g.sql
         0008_h.sql 0009_i.sql 0010_ten.sql)
# Applied in version order, whatever order the files were written in.
string(FIND "${last_output}" "0009_i.sql;" at_9)
string(FIND "${last_output}" "0010_ten.sql" at_10)
if(at_9 EQUAL -1 OR at_10 LESS at_9)
  message(SEND_ERROR "same_versions: files not in version order: ${last_output}")
endif()

run_case(missing_in_postgres EXPECT "SQLite has migration version(s) 3 that PostgreSQL lacks"
  SQLITE 0001_init.sql 0002_bot.sql 0003_more.sql
  PG     0001_init.sql 0002_bot.sql)
run_case(missing_in_sqlite EXPECT "PostgreSQL has migration version(s) 2, 3 that SQLite lacks"
  SQLITE 0001_init.sql
  PG     0001_init.sql 0002_bot.sql 0003_more.sql)
run_case(gap EXPECT "0003_c.sql: version 2 is missing before it"
  SQLITE 0001_init.sql 0003_c.sql
  PG     0001_init.sql 0003_c.sql)
run_case(not_from_one EXPECT "0002_bot.sql: version 1 is missing before it"
  SQLITE 0002_bot.sql
  PG     0002_bot.sql)
run_case(repeat EXPECT "0002_b.sql: version 2 is used twice"
  SQLITE 0001_init.sql 0002_a.sql 0002_b.sql
  PG     0001_init.sql 0002_a.sql)
run_case(bad_name EXPECT "expected a name like 0002_add_things.sql"
  SQLITE 0001_init.sql 0002-Bad-Name.sql
  PG     0001_init.sql 0002_bad_name.sql)
run_case(empty EXPECT "PostgreSQL migrations: no NNNN_name.sql file found"
  SQLITE 0001_init.sql
  PG)
