// What .ci/cuda-static/signatures.cpp compares: each C function's return type and parameters as
// size, pointer-ness, floating point or not, and the size of what a pointer points to (0: void,
// -1: not a pointer or, on the C# side, a handle that may point to anything, -2: an opaque struct).
#pragma once
#include <cstddef>
#include <type_traits>

struct Param {
  std::size_t size;
  bool pointer;
  bool floating;
  long pointee;
};

template <class T, class = void> struct is_complete : std::false_type {};
template <class T> struct is_complete<T, std::void_t<decltype(sizeof(T))>> : std::true_type {};

template <class T> constexpr long pointee_size() {
  if constexpr (!std::is_pointer_v<T>) {
    return -1;
  } else {
    using P = std::remove_cv_t<std::remove_pointer_t<T>>;
    if constexpr (std::is_void_v<P>) return 0;
    else if constexpr (is_complete<P>::value) return static_cast<long>(sizeof(P));
    else return -2;
  }
}

template <class T> constexpr Param describe() {
  return {sizeof(T), std::is_pointer_v<T>, std::is_floating_point_v<T>, pointee_size<T>()};
}

template <class F> struct signature;
template <class R, class... A> struct signature<R (*)(A...)> {
  static constexpr std::size_t count = sizeof...(A);
  static constexpr Param ret = describe<R>();
  static constexpr Param params[sizeof...(A) + 1] = {describe<A>()..., Param{}};
};

// The name after the header's macros (cuda.h: #define cuMemAlloc cuMemAlloc_v2).
#define EXPANDED(name) STRINGIFY(name)
#define STRINGIFY(name) #name

constexpr bool same_name(const char* expanded, const char* declared) {
  while (*expanded && *expanded == *declared) {
    ++expanded;
    ++declared;
  }
  return *expanded == *declared;
}

// header: the C side; csharp: the C# side (a pointee of -1 there accepts any pointee).
constexpr bool same(Param header, Param csharp) {
  return header.size == csharp.size && header.pointer == csharp.pointer && header.floating == csharp.floating &&
         (csharp.pointee == -1 || header.pointee == csharp.pointee);
}
