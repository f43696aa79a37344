import Foundation

/// Runs async `work` to the end from libFuzzer's synchronous thread and returns what it gave
/// (the targets that run an agent or an LLM call need a task; the semaphore orders the result's
/// hand-over from that task to this thread).
func runToEnd<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T? {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task {
        box.value = await work()
        done.signal()
    }
    done.wait()
    return box.value
}

/// The value handed from a task to the waiting thread (written before the signal, read after the wait).
final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
