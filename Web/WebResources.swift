import Foundation

/// The public site's templates and static files, wherever the binary runs.
public enum WebResources {
    public static let templates = Bundle.module.url(forResource: "Templates", withExtension: nil)!
    public static let `static` = Bundle.module.url(forResource: "Static", withExtension: nil)!
}
