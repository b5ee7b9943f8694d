// Fixture for tools/format's own test (CTest format_check_detects_misformat): the line below
// breaks .clang-format on purpose, and the check must name this file.
int   Misformatted( int x ){ return x+1; }
