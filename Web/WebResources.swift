import Foundation

/// The public site's templates, wherever the binary runs.
public enum WebResources {
    public static let templates = Bundle.module.url(forResource: "Templates", withExtension: nil)!
}
