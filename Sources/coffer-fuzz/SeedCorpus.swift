import Foundation
import KMSCore

/// Writes a target's seeds as files named `seed-<n>` (libFuzzer's corpus format: one input per file).
enum SeedCorpus {
    static func write(_ target: FuzzTarget, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (index, seed) in target.seeds.enumerated() {
            try Data(seed).write(to: URL(fileURLWithPath: directory).appendingPathComponent("seed-\(index)"))
        }
    }
}
