// launcher.cpp: the CUDA kernel emulator's one translation unit. It includes every kernel file and
// exports one C entry point,
//
//     int launch(const char* name, const unsigned grid[3], const unsigned block[3],
//                unsigned sharedBytes, void** args)
//
// which takes the same argument array cuLaunchKernel takes (args[i] points at the i-th argument's
// value) and runs the kernel, the blocks one after another:
//   - a kernel that synchronizes (calls __syncthreads, e.g. through block_sum) runs each block's
//     threads as real threads, so __syncthreads is a real barrier and __shared__ memory is shared
//     as on a GPU;
//   - a kernel that never synchronizes runs each block's threads one after another on the calling
//     thread: a schedule a GPU could also choose, and hundreds of times faster than waking 256 OS
//     threads per block (a barrier across 256 threads costs about 0.5 ms on two cores).
// Which kernels synchronize is declared in KernelCatalog.cs; a kernel declared barrier-free that
// calls __syncthreads fails its launch with a message saying so.
//
// The table of kernels is generated from each kernel's signature by templates: for
// `void relu_forward(const float*, int, float*)`, `entry("relu_forward", &relu_forward)` records a
// function that unpacks args[0..2] as those three types, and the signature "pip" that the C# side
// checks each launch's arguments against. The kernel files themselves carry no emulation code;
// the two .inc files are written by the C# builder (EmulatorLibrary.cs) from KernelCatalog.
#include "cuda_emulation.h"

#include "kernel_sources.inc"  // #include "relu.cu" … every kernel file

#include <pthread.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

// ----- The kernel table ------------------------------------------------------------------------

// One letter per parameter type, as the C# side writes them (KernelArgument.Kind).
template <class T>
constexpr char kind_of()
{
    if constexpr (std::is_pointer_v<T>) {
        return 'p';
    } else if constexpr (std::is_same_v<T, int>) {
        return 'i';
    } else if constexpr (std::is_same_v<T, float>) {
        return 'f';
    } else if constexpr (std::is_same_v<T, unsigned long long>) {
        return 'u';
    } else {
        static_assert(cuda_emulation::unsupported<T>, "kernel parameters must be pointers, int, float or unsigned long long");
    }
}

using AnyKernel = void (*)();
using Invoker = void (*)(AnyKernel, void**);

struct Entry {
    const char* name;
    const char* signature;
    bool synchronizes;
    AnyKernel kernel;
    Invoker invoke;
};

template <class... P, std::size_t... I>
void call(void (*kernel)(P...), void** args, std::index_sequence<I...>)
{
    kernel(*static_cast<P*>(args[I])...);
}

template <class... P>
struct Signature {
    static constexpr char text[] = {kind_of<P>()..., '\0'};
};

template <class... P>
Entry entry(const char* name, bool synchronizes, void (*kernel)(P...))
{
    return {name, Signature<P...>::text, synchronizes, reinterpret_cast<AnyKernel>(kernel), [](AnyKernel any, void** args) {
                call(reinterpret_cast<void (*)(P...)>(any), args, std::index_sequence_for<P...>{});
            }};
}

#define ALEXNET_KERNEL(name, synchronizes) entry(#name, synchronizes, &name),
const Entry kernels[] = {
#include "kernel_table.inc"  // ALEXNET_KERNEL(relu_forward, false) … every kernel
};
#undef ALEXNET_KERNEL

const Entry* find(const char* name)
{
    for (const Entry& e : kernels) {
        if (std::strcmp(e.name, name) == 0) {
            return &e;
        }
    }
    return nullptr;
}

// ----- Shared memory -------------------------------------------------------------------------

// The linker marks the bounds of the "cuda_shared" section, where every __shared__ variable lives
// (cuda_emulation.h); both are null when no kernel declares one.
extern "C" char __start_cuda_shared[] __attribute__((weak));
extern "C" char __stop_cuda_shared[] __attribute__((weak));

// Before each block: what a block finds in shared memory is undefined on a GPU; here it is NaN.
void poison_shared_memory()
{
    if (__start_cuda_shared != nullptr) {
        std::memset(__start_cuda_shared, 0xFF, static_cast<std::size_t>(__stop_cuda_shared - __start_cuda_shared));
    }
}

// ----- Barriers --------------------------------------------------------------------------------

// A reusable barrier for the threads of one block. Waiting is a futex wait on the phase counter
// (std::atomic::wait), so parked threads cost nothing. A thread that returns from the kernel
// leaves (`leave`), so the others do not wait for it at a later __syncthreads, as on a GPU.
class Barrier {
public:
    void reset(int participants)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        expected_ = participants;
        arrived_ = 0;
    }

    // Waits for the others; the last to arrive runs `on_release` (while the others still wait) and
    // releases them.
    template <class OnRelease>
    void arrive_and_wait(OnRelease on_release)
    {
        unsigned int phase;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            phase = phase_.load(std::memory_order_relaxed);
            if (++arrived_ == expected_) {
                on_release();
                release();
                return;
            }
        }
        phase_.wait(phase, std::memory_order_acquire);
    }

    void arrive_and_wait()
    {
        arrive_and_wait([] {});
    }

    void leave()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--expected_ > 0 && arrived_ == expected_) {
            release();
        }
    }

private:
    void release()
    {
        arrived_ = 0;
        phase_.fetch_add(1, std::memory_order_release);
        phase_.notify_all();
    }

    std::mutex mutex_;
    int expected_ = 0;
    int arrived_ = 0;
    std::atomic<unsigned int> phase_{0};
};

// ----- The thread pool that runs a launch ------------------------------------------------------

// Worker t plays thread t of every block in turn: it runs block 0's thread t, waits at the end of
// the block until all threads of the block are done (so blocks never overlap, and __shared__
// variables belong to one block at a time), then block 1's, and so on.
class ThreadPool {
public:
    static constexpr int MaxThreads = 1024;  // CUDA's limit per block

    void run(const Entry& entry, dim3 grid, dim3 block, void** args)
    {
        int threads = static_cast<int>(block.x * block.y * block.z);
        grow(threads);
        entry_ = &entry;
        args_ = args;
        grid_ = grid;
        block_ = block;
        threads_ = threads;
        sync_.reset(threads);
        block_end_.reset(threads);
        poison_shared_memory();
        // Every worker answers every launch, the idle ones too: none may still be reading this
        // launch's fields when the next launch writes them.
        running_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
        done_.store(0, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        done_.wait(0, std::memory_order_acquire);
    }

    Barrier& sync() { return sync_; }

private:
    void grow(int threads)
    {
        while (static_cast<int>(workers_.size()) < threads) {
            int index = static_cast<int>(workers_.size());
            pthread_attr_t attributes;
            pthread_attr_init(&attributes);
            pthread_attr_setstacksize(&attributes, 256 * 1024);
            pthread_t thread;
            // A worker answers the generations after the one current at its creation.
            auto* start = new Start{this, index, generation_.load()};
            pthread_create(&thread, &attributes, &ThreadPool::main, start);
            pthread_attr_destroy(&attributes);
            workers_.push_back(thread);
        }
    }

    struct Start {
        ThreadPool* pool;
        int index;
        unsigned int generation;
    };

    static void* main(void* argument)
    {
        Start start = *static_cast<Start*>(argument);
        delete static_cast<Start*>(argument);
        start.pool->work(start.index, start.generation);
        return nullptr;
    }

    void work(int index, unsigned int seen)
    {
        for (;;) {
            generation_.wait(seen, std::memory_order_acquire);
            seen = generation_.load(std::memory_order_acquire);
            if (index < threads_) {
                run_blocks(index);
            }
            if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                done_.store(1, std::memory_order_release);
                done_.notify_one();
            }
        }
    }

    // Plays thread `index` of every block of the current launch.
    void run_blocks(int index)
    {
        threadIdx = {index % block_.x, index / block_.x % block_.y, index / (block_.x * block_.y)};
        blockDim = block_;
        gridDim = grid_;
        for (unsigned int z = 0; z < grid_.z; z++) {
            for (unsigned int y = 0; y < grid_.y; y++) {
                for (unsigned int x = 0; x < grid_.x; x++) {
                    blockIdx = {x, y, z};
                    entry_->invoke(entry_->kernel, args_);
                    sync_.leave();
                    // The block is over when all its threads are; the last one re-arms
                    // __syncthreads and clears shared memory before anyone starts the next.
                    block_end_.arrive_and_wait([this] {
                        sync_.reset(threads_);
                        poison_shared_memory();
                    });
                }
            }
        }
    }

    std::vector<pthread_t> workers_;
    std::atomic<unsigned int> generation_{0};
    std::atomic<int> running_{0};
    std::atomic<int> done_{0};
    const Entry* entry_ = nullptr;
    void** args_ = nullptr;
    dim3 grid_, block_;
    int threads_ = 0;
    Barrier sync_;
    Barrier block_end_;
};

// Never destroyed: its threads stay parked until the process exits.
ThreadPool& pool()
{
    static ThreadPool* instance = new ThreadPool();
    return *instance;
}

// Thrown by __syncthreads on a thread that runs a block's threads one after another.
struct UndeclaredBarrier {};

thread_local bool running_sequentially = false;

// Runs every block, and every thread of a block, one after another on the calling thread.
void run_sequentially(const Entry& entry, dim3 grid, dim3 block, void** args)
{
    blockDim = block;
    gridDim = grid;
    for (unsigned int z = 0; z < grid.z; z++) {
        for (unsigned int y = 0; y < grid.y; y++) {
            for (unsigned int x = 0; x < grid.x; x++) {
                blockIdx = {x, y, z};
                poison_shared_memory();
                for (unsigned int tz = 0; tz < block.z; tz++) {
                    for (unsigned int ty = 0; ty < block.y; ty++) {
                        for (unsigned int tx = 0; tx < block.x; tx++) {
                            threadIdx = {tx, ty, tz};
                            entry.invoke(entry.kernel, args);
                        }
                    }
                }
            }
        }
    }
}

std::mutex launch_mutex;  // one launch at a time, as on one GPU stream
thread_local std::string last_error_text;

int fail(std::string text)
{
    last_error_text = std::move(text);
    return 1;
}

}  // namespace

void __syncthreads()
{
    if (running_sequentially) {
        throw UndeclaredBarrier{};
    }
    pool().sync().arrive_and_wait();
}

extern "C" {

// The signature of a kernel ("pip" for pointer, int, pointer), or null for an unknown name.
__attribute__((visibility("default"))) const char* kernel_signature(const char* name)
{
    const Entry* entry = find(name);
    return entry ? entry->signature : nullptr;
}

// Runs a kernel; returns 0, or 1 with last_error() saying why it could not start.
__attribute__((visibility("default"))) int launch(const char* name, const unsigned grid[3], const unsigned block[3],
                                                  unsigned sharedBytes, void** args)
{
    const Entry* entry = find(name);
    if (!entry) {
        return fail(std::string("no kernel named ") + name);
    }
    unsigned long long threads = 1ull * block[0] * block[1] * block[2];
    if (threads == 0 || threads > ThreadPool::MaxThreads) {
        return fail("a block of " + std::to_string(threads) + " threads: CUDA allows 1 to 1024");
    }
    if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0) {
        return fail("a grid with a zero dimension");
    }
    if (sharedBytes != 0) {
        return fail("dynamic shared memory is not emulated; declare __shared__ arrays with a fixed size");
    }
    std::lock_guard<std::mutex> lock(launch_mutex);
    dim3 grid_size{grid[0], grid[1], grid[2]}, block_size{block[0], block[1], block[2]};
    if (entry->synchronizes) {
        pool().run(*entry, grid_size, block_size, args);
        return 0;
    }
    running_sequentially = true;
    try {
        run_sequentially(*entry, grid_size, block_size, args);
    } catch (const UndeclaredBarrier&) {
        running_sequentially = false;
        return fail(std::string(name) + " called __syncthreads, but KernelCatalog declares it barrier-free; "
                    "declare it as synchronizing so its threads run concurrently");
    }
    running_sequentially = false;
    return 0;
}

// Why the calling thread's last launch failed.
__attribute__((visibility("default"))) const char* last_error()
{
    return last_error_text.c_str();
}
}
