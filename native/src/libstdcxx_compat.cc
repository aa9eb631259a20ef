// GCC 11 and later emit calls to std::__throw_bad_array_new_length, which only libstdc++ 3.4.29
// (GCC 11) exports. Defining it here keeps that symbol version out of the prebuilt addon, so it
// loads with the older libstdc++ of RHEL 8 and Ubuntu 20.04 as well.
#include <new>

#if defined(__GLIBCXX__)
namespace std {
[[noreturn]] __attribute__((weak)) void __throw_bad_array_new_length() { throw std::bad_array_new_length(); }
}  // namespace std
#endif
