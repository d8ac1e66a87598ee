// Clang's thread-safety attributes, so the compiler checks the locking: a
// member declared GUARDED_BY(mutex_) that is touched without holding
// mutex_, or a function declared REQUIRES(mutex_) that is called without it,
// is a warning under -Wthread-safety. scripts/clang-tidy.sh (CI) passes
// that flag and fails on any such finding (.clang-tidy); GCC, which builds
// the project, sees none of the attributes.
//
// The names are those of Clang's documentation ("Thread Safety Analysis").
// libstdc++'s std::mutex carries none of them, so guarded state uses the
// annotated Mutex and MutexLock of runtime/mutex.h.
#pragma once

#if defined(__clang__)
#define TIERD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define TIERD_THREAD_ANNOTATION(x)
#endif

// On a type: instances are capabilities (a mutex).
#define CAPABILITY(x) TIERD_THREAD_ANNOTATION(capability(x))
// On a type: an RAII object that holds a capability for its lifetime.
#define SCOPED_CAPABILITY TIERD_THREAD_ANNOTATION(scoped_lockable)

// On a data member: read and written only while holding `x`.
#define GUARDED_BY(x) TIERD_THREAD_ANNOTATION(guarded_by(x))
// On a pointer member: what it points to is used only while holding `x`.
#define PT_GUARDED_BY(x) TIERD_THREAD_ANNOTATION(pt_guarded_by(x))

// On a mutex member: the order in which mutexes are taken.
#define ACQUIRED_BEFORE(...) TIERD_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) TIERD_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))

// On a function: the caller must hold (REQUIRES) or must not hold (EXCLUDES)
// the capabilities.
#define REQUIRES(...) TIERD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) TIERD_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) TIERD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// On a function: it takes or lets go of the capabilities.
#define ACQUIRE(...) TIERD_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) TIERD_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) TIERD_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))

// On a function: returns the capability that guards what it returns.
#define RETURN_CAPABILITY(x) TIERD_THREAD_ANNOTATION(lock_returned(x))
// On a function: it checks at run time that the capability is held.
#define ASSERT_CAPABILITY(x) TIERD_THREAD_ANNOTATION(assert_capability(x))

// On a function the analysis cannot follow; say why next to it.
#define NO_THREAD_SAFETY_ANALYSIS TIERD_THREAD_ANNOTATION(no_thread_safety_analysis)
