import Foundation
public enum ModerationResources { public static let bundle = Bundle.module }
