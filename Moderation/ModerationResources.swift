import Foundation

/// The curator and auditor console's templates, wherever the binary runs.
public enum ModerationResources {
    public static let templates = Bundle.module.url(forResource: "Templates", withExtension: nil)!
}
