import Foundation
import Logging

/// Decodes pagination markers and limits the same way for every List operation.
enum Pagination {
    static func limit(_ value: Int?, default defaultValue: Int, max: Int) -> Int {
        Swift.min(value ?? defaultValue, max)
    }
}
