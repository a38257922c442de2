# AddressSanitizer and UndefinedBehaviorSanitizer on every target that follows (the sanitized build,
# GUARDIAN_SANITIZE=ON, scripts/sanitize.sh). Undefined behaviour aborts at its first report instead
# of printing and carrying on, so a test that meets it fails; frame pointers keep the stacks whole.
set(GUARDIAN_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_compile_options(${GUARDIAN_SANITIZER_FLAGS})
add_link_options(-fsanitize=address,undefined)
